import {
  type ByteStore,
  ConfigurationError,
  defineStore,
  FRAME_HEADER_BYTES,
  FRAME_MAGIC,
  FRAME_VERSION_OFFSET,
  IntegrityError,
  NotSupportedError,
  type OperationContext,
  type StoreCapabilities,
  type StoreDriver,
  StoreUnavailableError,
  sameVersion,
  type WriteCondition,
} from '@oauth-store/core';
import { KeyLock } from './key-lock';
import { fromKeyvKey, KEY_MARKER, toKeyvKey } from './keyv-key';

/** The parts of a Keyv instance (5 or 6) this package uses. */
export interface KeyvLike {
  get(key: string): Promise<unknown>;
  /**
   * `{ value, expires }` or undefined. Preferred over `get` when present: Keyv 5's `get` swallows a failing backend
   * without even an `error` event (unless `throwOnErrors`), while its `getRaw` lets the failure through.
   */
  getRaw?(key: string): Promise<unknown>;
  set(key: string, value: unknown, ttl?: number): Promise<unknown>;
  delete(key: string): Promise<unknown>;
  /** Keyv 5 only has it for some adapters; Keyv 6 always has it, but it yields nothing when its store cannot iterate. */
  iterator?: (...args: never[]) => AsyncIterable<unknown>;
  /** The storage adapter (Keyv 6: resolved; Keyv 5: as given). */
  store?: unknown;
  namespace?: string | undefined;
  on?(event: 'error', listener: (error: unknown) => void): unknown;
  disconnect?(): Promise<void>;
}

/** Options of {@link keyvByteStore}. */
export interface KeyvByteStoreOptions {
  /** Largest key, in UTF-8 bytes (at least 512). Default 512. */
  maxKeyBytes?: number;
  /** Largest collection name, in UTF-8 bytes (at least 64). Default 128. */
  maxCollectionBytes?: number;
  /** Largest value in bytes (stored base64, so a third larger in Keyv). Default 1 MiB. */
  maxValueBytes?: number;
  /** Call Keyv's `disconnect()` on `close()`. Default false: the Keyv is yours. */
  disconnectOnClose?: boolean;
  /** Upper bound on each operation in milliseconds; past it the operation rejects `unavailable`. Default 10000. */
  timeoutMs?: number;
}

const SOURCE = 'keyv';
/** Walks of `list` redone after Keyv 5's iterator broke on a vanished entry (see walkRetryingVanishedEntries). */
const LIST_WALK_ATTEMPTS = 5;

/** Errors of operations dropped before they touched Keyv (deadline passed while waiting for the key's lock). */
const notApplied = new WeakSet<object>();

/**
 * Per Keyv instance: the in-process lock of its keys, and a count of the `error` events it emitted (Keyv reports a
 * failing backend by emitting `error` and answering "missing"; counting them lets an operation that saw one fail
 * instead of returning a false miss).
 */
interface KeyvState {
  lock: KeyLock;
  errors: number;
}
const states = new WeakMap<object, KeyvState>();

function stateOf(keyv: KeyvLike): KeyvState {
  let state = states.get(keyv);
  if (!state) {
    const created: KeyvState = { lock: new KeyLock(), errors: 0 };
    keyv.on?.('error', () => {
      created.errors += 1;
    });
    states.set(keyv, created);
    state = created;
  }
  return state;
}

/**
 * A stored entry: `F2:` and the base64 of the runtime's record frame (format 2: absolute expiry, version, value). The
 * prefix tells it apart from the 0.1 format (`<expiresAt or empty>:<base64 value>`), which `oauth-store migrate`
 * copies.
 */
const ENTRY_PREFIX = 'F2:';

function encodeEntry(frame: Uint8Array): string {
  return `${ENTRY_PREFIX}${Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength).toString('base64')}`;
}

function decodeEntry(raw: unknown): Buffer {
  if (typeof raw === 'string' && raw.startsWith(ENTRY_PREFIX)) {
    const frame = Buffer.from(raw.slice(ENTRY_PREFIX.length), 'base64');
    if (frame.byteLength >= FRAME_HEADER_BYTES && frame[0] === FRAME_MAGIC) return frame;
  }
  throw new IntegrityError(
    'a Keyv entry under an oauth-store key is not in the record frame (format 2): it was written by oauth-store 0.1 or another program. Copy old data with `oauth-store migrate`, or delete the entry.',
    { source: SOURCE },
  );
}

/** The absolute expiry in a frame (epoch ms), or undefined. */
function expiryOf(frame: Buffer): number | undefined {
  const expiry = Number(frame.readBigUInt64BE(1));
  return expiry === 0 ? undefined : expiry;
}

function isLive(frame: Buffer, now: number): boolean {
  const expiresAt = expiryOf(frame);
  return expiresAt === undefined || expiresAt > now;
}

function compareKeys(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/**
 * Any Keyv (5 or 6, any Keyv storage adapter) as an oauth-store {@link ByteStore}, built by core's runtime.
 *
 * Keyv has no conditional write and no get-and-delete, so `take` is get-then-delete and conditional writes
 * (`onlyIfAbsent`, `ifVersion`) are get-compare-then-set. Within one process they are made atomic by a per-key lock
 * shared by every store built on the same Keyv object; across processes (or across separate Keyv objects) they are
 * NOT: two processes can both take the same entry, both create it, or both win a compare-and-set. The store therefore
 * declares `atomicTake: false` and `compareAndSet: false`, and core's `TransactionStore` refuses it for one-time codes
 * unless `allowNonAtomicTake: true`.
 *
 * Records are stored as the runtime's frame (base64, with their absolute expiry, checked on every read whatever Keyv
 * does); the TTL is also passed to Keyv so its backend can reclaim space. `list` walks Keyv's iterator (so it needs a
 * store that can iterate) and costs a scan of the whole Keyv namespace per page. A backend error that Keyv swallows
 * (it emits `error` and answers "missing") fails the operation with `unavailable` instead of reading as a miss. An
 * operation still waiting for the lock when its deadline passes is dropped, never applied after it rejected.
 */
export function keyvByteStore(keyv: KeyvLike, options: KeyvByteStoreOptions = {}): ByteStore {
  if (!keyv || typeof keyv.get !== 'function' || typeof keyv.set !== 'function' || typeof keyv.delete !== 'function') {
    throw new ConfigurationError('keyvByteStore needs a Keyv instance (get, set and delete).', { source: SOURCE });
  }
  if (keyv.namespace === KEY_MARKER) {
    throw new ConfigurationError(`the Keyv namespace "${KEY_MARKER}" is reserved by this package; use another.`, {
      source: SOURCE,
    });
  }
  const capabilities: StoreCapabilities = {
    name: SOURCE,
    maxKeyBytes: sizeOption('maxKeyBytes', options.maxKeyBytes, 512, 512),
    maxCollectionBytes: sizeOption('maxCollectionBytes', options.maxCollectionBytes, 128, 64),
    maxValueBytes: sizeOption('maxValueBytes', options.maxValueBytes, 1024 * 1024, 1),
    nativeTtl: false,
    atomicTake: false,
    compareAndSet: false,
  };
  const timeoutMs = sizeOption('timeoutMs', options.timeoutMs, 10_000, 1);
  const state = stateOf(keyv);

  /** Runs a Keyv call; an `error` event during it, or a `false` from a write, makes it fail. */
  async function guarded<T>(operation: string, body: () => Promise<T>): Promise<T> {
    const before = state.errors;
    const result = await body();
    if (state.errors !== before) {
      throw new StoreUnavailableError(
        `${operation}: Keyv reported a storage error (its "error" event) during the call. Check the Keyv adapter's backend.`,
        { source: SOURCE },
      );
    }
    return result;
  }

  /** The stored frame (live or not), or undefined. */
  async function readFrame(keyvKey: string): Promise<Buffer | undefined> {
    const raw =
      typeof keyv.getRaw === 'function'
        ? (
            (await guarded('get', () => (keyv.getRaw as (key: string) => Promise<unknown>)(keyvKey))) as
              | { value?: unknown }
              | undefined
              | null
          )?.value
        : await guarded('get', () => keyv.get(keyvKey));
    if (raw === undefined || raw === null) return undefined;
    return decodeEntry(raw);
  }

  /** The live frame, judged on the application clock now, or undefined. */
  async function readLive(keyvKey: string): Promise<Buffer | undefined> {
    const frame = await readFrame(keyvKey);
    return frame && isLive(frame, Date.now()) ? frame : undefined;
  }

  function holds(frame: Buffer | undefined, condition: WriteCondition): boolean {
    if (condition.kind === 'none') return true;
    if (condition.kind === 'absent') return frame === undefined;
    return (
      frame !== undefined &&
      sameVersion(frame.subarray(FRAME_VERSION_OFFSET, FRAME_HEADER_BYTES), condition.versionBytes)
    );
  }

  async function remove(keyvKey: string): Promise<void> {
    await guarded('delete', () => keyv.delete(keyvKey));
  }

  /**
   * Runs `body` under the key's in-process lock, unless the operation's deadline passed while it waited: the runtime
   * has rejected it by then, and applying it later would apply a failed operation.
   */
  function locked<T>(keyvKey: string, context: OperationContext, body: () => Promise<T>): Promise<T> {
    return state.lock.run(keyvKey, async () => {
      if (Date.now() >= context.deadline || context.signal.aborted) {
        const dropped = new StoreUnavailableError(
          'the operation waited for its key past its deadline and was not applied.',
          { source: SOURCE, outcomeUnknown: false },
        );
        notApplied.add(dropped);
        throw dropped;
      }
      return body();
    });
  }

  function iterate(): AsyncIterable<unknown> {
    const store = keyv.store as { iterator?: unknown; store?: unknown } | undefined | null;
    // Keyv 6 wraps what it is given in an adapter (memory or bridge) that always has iterator(); the bridge's yields
    // nothing when the store it wraps cannot iterate, so look one level in as well.
    const inner = store && typeof store === 'object' ? (store.store as { iterator?: unknown } | undefined) : undefined;
    const cannot = (candidate: unknown) =>
      candidate !== undefined &&
      candidate !== null &&
      typeof candidate === 'object' &&
      !(candidate instanceof Map) &&
      typeof (candidate as { iterator?: unknown }).iterator !== 'function';
    const storeCannotIterate = cannot(store) || (inner !== store && cannot(inner));
    if (typeof keyv.iterator !== 'function' || storeCannotIterate) {
      throw new NotSupportedError(
        'list needs a Keyv whose storage adapter can iterate (Keyv 6 with an adapter that has iterator(), or Keyv 5 with an iterable adapter such as a Map, Redis, PostgreSQL or SQLite).',
        { source: SOURCE },
      );
    }
    return (keyv.iterator as () => AsyncIterable<unknown>)();
  }

  /**
   * Keyv 5's iterator throws a TypeError (it reads `expires` of the undefined that deserializing a missing value gives)
   * when an entry expires or is deleted between its adapter's listing and its read of the values: @keyv/redis SCANs
   * keys and then MGETs them, and yields `[key, undefined]` for one that vanished in between. Keyv 5.0.0, the lowest
   * of the peer range, throws a SyntaxError on the same race instead: it hands that undefined to `JSON.parse` (5.6
   * does not). Keyv 6 skips such entries. The page is computed from a complete walk, so a walk that broke this way
   * is simply redone; the race needs an entry to vanish inside one SCAN batch, so a few attempts suffice. Anything
   * else is rethrown at once (a value in the namespace that is not JSON at all fails every walk, so it still surfaces,
   * after the last attempt).
   */
  async function walkRetryingVanishedEntries(walk: () => Promise<void>): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await walk();
      } catch (error) {
        const vanished = error instanceof TypeError || error instanceof SyntaxError;
        if (!vanished || attempt >= LIST_WALK_ATTEMPTS) throw error;
      }
    }
  }

  const driver: StoreDriver = {
    capabilities,
    timeoutMs,
    read: (collection, key) => readFrame(toKeyvKey(collection, key)),
    write: (collection, key, record, condition, context) => {
      const keyvKey = toKeyvKey(collection, key);
      return locked(keyvKey, context, async () => {
        if (condition.kind !== 'none' && !holds(await readLive(keyvKey), condition)) return false;
        // Keyv's TTL only lets its backend reclaim space; the frame's expiry is what decides liveness.
        const ttl = record.expiresAt === undefined ? undefined : Math.max(1, record.expiresAt - Date.now());
        const written = await guarded('set', () => keyv.set(keyvKey, encodeEntry(record.bytes), ttl));
        if (written === false) {
          throw new StoreUnavailableError('set: Keyv reported that the write failed. Check its backend.', {
            source: SOURCE,
          });
        }
        return true;
      });
    },
    remove: (collection, key, condition, context) => {
      const keyvKey = toKeyvKey(collection, key);
      return locked(keyvKey, context, async () => {
        const live = await readLive(keyvKey);
        if (!holds(live, condition)) return false;
        await remove(keyvKey);
        return live !== undefined;
      });
    },
    // Get-then-delete: atomic only among stores on this Keyv object in this process (see above).
    take: (collection, key, context) => {
      const keyvKey = toKeyvKey(collection, key);
      return locked(keyvKey, context, async () => {
        const live = await readLive(keyvKey);
        if (live === undefined) return undefined;
        await remove(keyvKey);
        return live;
      });
    },
    list: async (collection, { cursor, limit }) => {
      const after = cursor === undefined ? undefined : Buffer.from(cursor, 'base64url').toString('utf8');
      // The smallest limit + 1 keys after the cursor, kept sorted, so a page never holds more than that in memory.
      const best: string[] = [];
      const now = Date.now();
      await guarded('list', () =>
        walkRetryingVanishedEntries(() => {
          best.length = 0;
          return collect();
        }),
      );
      async function collect(): Promise<void> {
        for await (const item of iterate()) {
          if (!Array.isArray(item) || typeof item[0] !== 'string') continue;
          const parsed = fromKeyvKey(item[0]);
          if (!parsed || parsed.collection !== collection) continue;
          if (after !== undefined && compareKeys(parsed.key, after) <= 0) continue;
          if (best.length > limit && compareKeys(parsed.key, best[best.length - 1] as string) >= 0) continue;
          let frame: Buffer;
          try {
            frame = decodeEntry(item[1]);
          } catch {
            continue;
          }
          if (!isLive(frame, now)) continue;
          let low = 0;
          let high = best.length;
          while (low < high) {
            const mid = (low + high) >> 1;
            if (compareKeys(best[mid] as string, parsed.key) < 0) low = mid + 1;
            else high = mid;
          }
          if (best[low] !== parsed.key) best.splice(low, 0, parsed.key);
          if (best.length > limit + 1) best.pop();
        }
      }
      const keys = best.slice(0, limit);
      const last = keys.at(-1);
      return best.length > limit && last !== undefined
        ? { keys, cursor: Buffer.from(last, 'utf8').toString('base64url') }
        : { keys };
    },
    close: async () => {
      if (options.disconnectOnClose) await keyv.disconnect?.();
    },
    notApplied: (error) => typeof error === 'object' && error !== null && notApplied.has(error),
  };
  return defineStore(driver);
}

function sizeOption(name: string, value: number | undefined, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < min) {
    throw new ConfigurationError(`${name} must be an integer >= ${min}, got ${String(value)}.`, { source: SOURCE });
  }
  return value;
}
