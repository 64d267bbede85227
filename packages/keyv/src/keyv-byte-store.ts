import {
  type ByteStore,
  ConfigurationError,
  defineLegacyStore,
  IntegrityError,
  isExpired,
  NotSupportedError,
  type StoreCapabilities,
  StoreUnavailableError,
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
}

const SOURCE = 'keyv';

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

/** A stored entry: `<expiresAt or empty>:<base64 value>`, so expiry is checked here whatever Keyv's settings. */
function encodeEntry(value: Uint8Array, expiresAt: number | undefined): string {
  return `${expiresAt ?? ''}:${Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64')}`;
}

function decodeEntry(raw: unknown): { value: Uint8Array; expiresAt: number | undefined } {
  if (typeof raw === 'string') {
    const colon = raw.indexOf(':');
    const head = raw.slice(0, colon);
    if (colon >= 0 && /^[0-9]*$/.test(head)) {
      return {
        value: new Uint8Array(Buffer.from(raw.slice(colon + 1), 'base64')),
        expiresAt: head === '' ? undefined : Number(head),
      };
    }
  }
  throw new IntegrityError('a Keyv entry under an oauth-store key has an unexpected format.', { source: SOURCE });
}

function compareKeys(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/**
 * Any Keyv (5 or 6, any Keyv storage adapter) as an oauth-store {@link ByteStore}.
 *
 * Keyv has no conditional write and no get-and-delete, so `take` is get-then-delete and `onlyIfAbsent` is
 * get-then-set. Within one process they are made atomic by a per-key lock shared by every store built on the same
 * Keyv object; across processes (or across separate Keyv objects) they are NOT: two processes can both take the same
 * entry, or both create it. The store therefore declares `atomicTake: false`, and core's `TransactionStore` refuses
 * it for one-time codes unless `allowNonAtomicTake: true`.
 *
 * Values are stored base64 with their own expiry (checked on every read, whatever Keyv does); the TTL is also passed
 * to Keyv so its backend can reclaim space. `list` walks Keyv's iterator (so it needs a store that can iterate) and
 * costs a scan of the whole Keyv namespace per page. A backend error that Keyv swallows (it emits `error` and
 * answers "missing") fails the operation with `unavailable` instead of reading as a miss.
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

  async function readLive(keyvKey: string): Promise<Uint8Array | undefined> {
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
    const entry = decodeEntry(raw);
    return isExpired(entry.expiresAt) ? undefined : entry.value;
  }

  async function remove(keyvKey: string): Promise<void> {
    await guarded('delete', () => keyv.delete(keyvKey));
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

  return defineLegacyStore({
    capabilities,
    get: (collection, key) => readLive(toKeyvKey(collection, key)),
    set: (collection, key, value, { ttlMs, onlyIfAbsent }) => {
      const keyvKey = toKeyvKey(collection, key);
      return state.lock.run(keyvKey, async () => {
        if (onlyIfAbsent && (await readLive(keyvKey)) !== undefined) return false;
        const expiresAt = ttlMs === undefined ? undefined : Date.now() + ttlMs;
        const written = await guarded('set', () => keyv.set(keyvKey, encodeEntry(value, expiresAt), ttlMs));
        if (written === false) {
          throw new StoreUnavailableError('set: Keyv reported that the write failed. Check its backend.', {
            source: SOURCE,
          });
        }
        return true;
      });
    },
    delete: (collection, key) => {
      const keyvKey = toKeyvKey(collection, key);
      return state.lock.run(keyvKey, async () => {
        const live = await readLive(keyvKey);
        await remove(keyvKey);
        return live !== undefined;
      });
    },
    // Get-then-delete: atomic only among stores on this Keyv object in this process (see above).
    take: (collection, key) => {
      const keyvKey = toKeyvKey(collection, key);
      return state.lock.run(keyvKey, async () => {
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
      await guarded('list', async () => {
        for await (const item of iterate()) {
          if (!Array.isArray(item) || typeof item[0] !== 'string') continue;
          const parsed = fromKeyvKey(item[0]);
          if (!parsed || parsed.collection !== collection) continue;
          if (after !== undefined && compareKeys(parsed.key, after) <= 0) continue;
          if (best.length > limit && compareKeys(parsed.key, best[best.length - 1] as string) >= 0) continue;
          let entry: { expiresAt: number | undefined };
          try {
            entry = decodeEntry(item[1]);
          } catch {
            continue;
          }
          if (isExpired(entry.expiresAt, now)) continue;
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
      });
      const keys = best.slice(0, limit);
      const last = keys.at(-1);
      return best.length > limit && last !== undefined
        ? { keys, cursor: Buffer.from(last, 'utf8').toString('base64url') }
        : { keys };
    },
    close: async () => {
      if (options.disconnectOnClose) await keyv.disconnect?.();
    },
  });
}

function sizeOption(name: string, value: number | undefined, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < min) {
    throw new ConfigurationError(`${name} must be an integer >= ${min}, got ${String(value)}.`, { source: SOURCE });
  }
  return value;
}
