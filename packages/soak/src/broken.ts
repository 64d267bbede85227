/**
 * Deliberately broken stores, to prove each checker catches the fault it exists for. Each wraps a working
 * {@link ByteStore} and breaks exactly one promise of the contract, the way a buggy adapter would.
 */
import type { ByteStore, SetOptions } from '@oauth-store/core';

/** Which promise to break. */
export type BrokenKind = 'non-atomic-take' | 'drop-writes' | 'stale-reads';

/** Every {@link BrokenKind}. */
export const BROKEN_KINDS: readonly BrokenKind[] = ['non-atomic-take', 'drop-writes', 'stale-reads'];

/** Every how-many-th durable write `drop-writes` acknowledges without storing. */
const DROP_EVERY = 5;
/** How long `non-atomic-take` waits between its get and its delete: long enough for a competitor to get too. */
const TAKE_GAP_MS = 10;
/** How many expired entries `stale-reads` keeps around. */
const STALE_CACHE_SIZE = 2_000;

/** Returns `store` with one contract promise broken; see {@link BrokenKind}. */
export function breakStore(store: ByteStore, kind: BrokenKind): ByteStore {
  switch (kind) {
    case 'non-atomic-take':
      return nonAtomicTake(store);
    case 'drop-writes':
      return droppingWrites(store);
    case 'stale-reads':
      return staleReads(store);
  }
}

function delegate(store: ByteStore): ByteStore {
  return {
    capabilities: store.capabilities,
    get: (c, k) => store.get(c, k),
    set: (c, k, v, o) => store.set(c, k, v, o),
    delete: (c, k) => store.delete(c, k),
    take: (c, k) => store.take(c, k),
    list: (c, o) => store.list(c, o),
    close: () => store.close(),
  };
}

/** `take` as get, then an await, then delete: two concurrent takers can both receive the value. */
function nonAtomicTake(store: ByteStore): ByteStore {
  return {
    ...delegate(store),
    async take(collection, key) {
      const value = await store.get(collection, key);
      if (value === undefined) return undefined;
      await new Promise((resolve) => setTimeout(resolve, TAKE_GAP_MS));
      await store.delete(collection, key);
      return value;
    },
  };
}

/** Acknowledges every fifth write without a TTL (client registrations) and stores nothing. */
function droppingWrites(store: ByteStore): ByteStore {
  let durableWrites = 0;
  return {
    ...delegate(store),
    async set(collection, key, value, options?: SetOptions) {
      if (options?.ttlMs === undefined && ++durableWrites % DROP_EVERY === 0) return true;
      return store.set(collection, key, value, options);
    },
  };
}

/** Remembers what it wrote with a TTL and serves it when the backend no longer has it: expired entries come back. */
function staleReads(store: ByteStore): ByteStore {
  const remembered = new Map<string, Uint8Array>();
  const id = (collection: string, key: string) => `${collection}\u0000${key}`;
  return {
    ...delegate(store),
    async set(collection, key, value, options?: SetOptions) {
      const written = await store.set(collection, key, value, options);
      if (written && options?.ttlMs !== undefined) {
        remembered.set(id(collection, key), value);
        if (remembered.size > STALE_CACHE_SIZE) remembered.delete(remembered.keys().next().value as string);
      }
      return written;
    },
    async get(collection, key) {
      return (await store.get(collection, key)) ?? remembered.get(id(collection, key));
    },
  };
}
