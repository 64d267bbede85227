// A StoreDriver over a plain Map whose every method can be replaced per test, with a settable clock: the runtime's
// policy (deadlines, own-write recognition, scrubbing, expiry filtering) is tested against drivers that misbehave in
// exactly one chosen way.
import {
  type DriverRecord,
  FRAME_HEADER_BYTES,
  FRAME_VERSION_OFFSET,
  type StoreDriver,
  sameVersion,
  type WriteCondition,
} from '@oauth-store/core';

/** What the scripted backend holds: framed bytes as the runtime handed them over. */
export type Backend = Map<string, Uint8Array>;

const id = (collection: string, key: string) => JSON.stringify([collection, key]);

/** A settable clock (epoch ms). */
export interface Clock {
  now: number;
}

/** A correct driver over `backend`, with `overrides` replacing any member. */
export function scriptedDriver(
  overrides: Partial<StoreDriver> = {},
  backend: Backend = new Map(),
  clock?: Clock,
): StoreDriver & { backend: Backend } {
  const now = () => (clock ? clock.now : Date.now());
  const live = (collection: string, key: string) => {
    const bytes = backend.get(id(collection, key));
    if (!bytes) return undefined;
    const expiry = Number(Buffer.from(bytes).readBigUInt64BE(1));
    return expiry !== 0 && expiry <= now() ? undefined : bytes;
  };
  const holds = (collection: string, key: string, condition: WriteCondition) => {
    const current = live(collection, key);
    if (condition.kind === 'none') return true;
    if (condition.kind === 'absent') return current === undefined;
    return (
      current !== undefined &&
      sameVersion(current.subarray(FRAME_VERSION_OFFSET, FRAME_HEADER_BYTES), condition.versionBytes)
    );
  };
  return {
    backend,
    capabilities: {
      name: 'scripted',
      maxKeyBytes: 1024,
      maxCollectionBytes: 256,
      maxValueBytes: 1024,
      nativeTtl: false,
      atomicTake: true,
      compareAndSet: true,
    },
    timeoutMs: 1_000,
    ...(clock ? { now } : {}),
    read: async (collection, key) => backend.get(id(collection, key)),
    write: async (collection, key, record: DriverRecord, condition) => {
      if (!holds(collection, key, condition)) return false;
      backend.set(id(collection, key), record.bytes);
      return true;
    },
    remove: async (collection, key, condition) => {
      if (!live(collection, key) || !holds(collection, key, condition)) return false;
      return backend.delete(id(collection, key));
    },
    take: async (collection, key) => {
      const bytes = backend.get(id(collection, key));
      backend.delete(id(collection, key));
      return bytes;
    },
    list: async () => ({ keys: [] }),
    close: async () => undefined,
    ...overrides,
  };
}

/** A promise that never settles: a backend that never answers. */
export function never<T>(): Promise<T> {
  return new Promise<T>(() => undefined);
}
