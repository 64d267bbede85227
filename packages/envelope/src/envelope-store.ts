import {
  type ByteStore,
  ConfigurationError,
  InvalidValueError,
  isOAuthStoreError,
  type KeySource,
  NotSupportedError,
  type SetOptions,
  type StoreCapabilities,
} from '@oauth-store/core';
import {
  DataKeyCache,
  type DataKeyCacheOptions,
  DEFAULT_DATA_KEY_MAX_AGE_MS,
  DEFAULT_DATA_KEY_MAX_RECORDS,
  DEFAULT_MAX_UNWRAPPED_KEYS,
  MAX_RECORDS_PER_DATA_KEY,
} from './data-key-cache';
import { MAX_ENVELOPE_OVERHEAD } from './format';
import { guardStore } from './guarded-store';
import { rememberInnerStore } from './inner-store';
import { createKeyHasher, type KeyHasher } from './key-hash';
import { DEFAULT_REFRESH_INTERVAL_MS, KeyManager } from './key-manager';
import { type Keyring, toKeyring } from './keyring';
import type { EnvelopeOptions, EnvelopeStore } from './options';
import { rewrap } from './rewrap';
import { type OpenedRecord, openRecord, type RecordAddress, sealRecord, sealWithDataKey } from './seal';

const SOURCE = 'envelope';

function fail(message: string): ConfigurationError {
  return new ConfigurationError(message, { source: SOURCE });
}

function isKeySource(value: unknown): value is KeySource {
  return typeof value === 'object' && value !== null && typeof (value as KeySource).load === 'function';
}

function hashPredicate(hashKeysIn: EnvelopeOptions['hashKeysIn']): ((collection: string) => boolean) | undefined {
  if (hashKeysIn === undefined) return undefined;
  if (typeof hashKeysIn === 'function') return hashKeysIn;
  if (!Array.isArray(hashKeysIn) || !hashKeysIn.every((name) => typeof name === 'string')) {
    throw fail('hashKeysIn must be an array of collection names or a function (collection) => boolean.');
  }
  const names = new Set(hashKeysIn);
  return (collection) => names.has(collection);
}

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

function checkNamespace(namespace: unknown): string {
  if (namespace === undefined) return '';
  if (typeof namespace !== 'string' || LONE_SURROGATE.test(namespace) || Buffer.byteLength(namespace, 'utf8') > 255) {
    throw fail('namespace must be a string of at most 255 UTF-8 bytes without lone surrogates (default: empty).');
  }
  return namespace;
}

function checkCacheOptions(option: DataKeyCacheOptions | false | undefined): Required<DataKeyCacheOptions> | undefined {
  if (option === false) return undefined;
  if (option !== undefined && (typeof option !== 'object' || option === null)) {
    throw fail('dataKeyCache must be false or { maxRecords?, maxAgeMs?, maxUnwrapped? }.');
  }
  const limits = {
    maxRecords: option?.maxRecords ?? DEFAULT_DATA_KEY_MAX_RECORDS,
    maxAgeMs: option?.maxAgeMs ?? DEFAULT_DATA_KEY_MAX_AGE_MS,
    maxUnwrapped: option?.maxUnwrapped ?? DEFAULT_MAX_UNWRAPPED_KEYS,
  };
  const whole = (value: number, min: number, max: number) =>
    Number.isSafeInteger(value) && value >= min && value <= max;
  if (!whole(limits.maxRecords, 1, MAX_RECORDS_PER_DATA_KEY)) {
    throw fail(`dataKeyCache.maxRecords must be a whole number from 1 to ${MAX_RECORDS_PER_DATA_KEY}.`);
  }
  if (!whole(limits.maxAgeMs, 0, 86_400_000)) {
    throw fail('dataKeyCache.maxAgeMs must be a whole number of milliseconds from 0 to 86400000 (one day).');
  }
  if (!whole(limits.maxUnwrapped, 0, 1_000_000)) {
    throw fail('dataKeyCache.maxUnwrapped must be a whole number from 0 to 1000000.');
  }
  return limits;
}

async function loadHasher(hashKey: KeySource): Promise<KeyHasher> {
  try {
    return createKeyHasher((await hashKey.load()).primary.key);
  } catch (error) {
    if (isOAuthStoreError(error)) throw error;
    // Never the raw message: a failing source may quote what it read.
    throw fail(
      `loading the hash key from ${hashKey.description} failed (${error instanceof Error ? error.name : typeof error}).`,
    );
  }
}

/**
 * Wraps any {@link ByteStore} so every value is stored as a versioned, authenticated envelope (format:
 * docs/encryption-format.md): a fresh random 256-bit data key per record encrypts the value with AES-256-GCM, the
 * data key is wrapped by the key-encryption key named by a kid, the (collection, key) and format version are bound
 * as AAD, and a key commitment is checked before decrypting. The result keeps the whole store contract.
 *
 * Tampered, truncated, moved or planted records and a wrong key reject with `integrity`; a kid the keyring lacks
 * rejects with `unknown_key_id`. Nothing is ever returned that was not written by this wrapper for that address.
 *
 * `close()` closes the wrapped store and the key source too.
 */
export function withEnvelopeEncryption(store: ByteStore, options: EnvelopeOptions): EnvelopeStore {
  if (!store || typeof store.get !== 'function' || !store.capabilities) {
    throw fail('withEnvelopeEncryption needs the store to wrap as its first argument.');
  }
  if (!options || typeof options !== 'object')
    throw fail('withEnvelopeEncryption needs options with a keyring or keySource.');
  if ((options.keyring === undefined) === (options.keySource === undefined)) {
    throw fail('give exactly one of `keyring` (fixed keys) or `keySource` (env, file or a secret manager).');
  }
  if (options.keySource !== undefined && !isKeySource(options.keySource)) {
    throw fail('keySource must implement KeySource ({ description, load() }).');
  }
  const refreshIntervalMs = options.refreshIntervalMs ?? DEFAULT_REFRESH_INTERVAL_MS;
  // Node timers hold at most 2^31 - 1 ms; a larger interval would silently fire every millisecond instead.
  if (!Number.isSafeInteger(refreshIntervalMs) || refreshIntervalMs < 0 || refreshIntervalMs > 2 ** 31 - 1) {
    throw fail('refreshIntervalMs must be a whole number of milliseconds from 0 (no refresh) to 2147483647.');
  }
  const shouldHash = hashPredicate(options.hashKeysIn);
  if (shouldHash && options.hashKey === undefined) {
    throw fail(
      'hashKeysIn needs `hashKey`: a separate secret of at least 32 random bytes (or a KeySource) that stays the same across key rotations.',
    );
  }
  const now = options.now ?? Date.now;
  if (typeof now !== 'function') throw fail('now must be a function returning epoch milliseconds.');
  const namespace = checkNamespace(options.namespace);
  const cacheLimits = checkCacheOptions(options.dataKeyCache);
  const cache = cacheLimits ? new DataKeyCache(cacheLimits, now) : undefined;
  const inner = store.capabilities;
  const maxValueBytes = inner.maxValueBytes - MAX_ENVELOPE_OVERHEAD;
  if (maxValueBytes < 1) {
    throw fail(
      `the wrapped store holds values of at most ${inner.maxValueBytes} bytes, less than the envelope overhead.`,
    );
  }
  const capabilities: StoreCapabilities = Object.freeze({
    name: SOURCE,
    maxKeyBytes: inner.maxKeyBytes,
    maxCollectionBytes: inner.maxCollectionBytes,
    maxValueBytes,
    nativeTtl: inner.nativeTtl,
    atomicTake: inner.atomicTake,
    // Conditional writes are the inner store's, passed through (the envelope never reads-then-writes on its own
    // behalf except to clear a record its authenticated expiry says is dead, and then by compare-and-delete).
    compareAndSet: inner.compareAndSet ?? false,
  });

  const keys = new KeyManager({
    keyring: options.keyring === undefined ? undefined : toKeyring(options.keyring),
    keySource: options.keySource,
    refreshIntervalMs,
    onError: options.onError,
    now,
  });
  // A byte hash key is checked now (a constructor error); a KeySource is loaded once, like the keys, in the background.
  const hashKey = options.hashKey;
  const hasher =
    shouldHash && hashKey !== undefined
      ? isKeySource(hashKey)
        ? loadHasher(hashKey)
        : Promise.resolve(createKeyHasher(hashKey))
      : undefined;
  hasher?.catch(() => {});

  /** The name the backend sees: the key itself (synchronously), or its keyed hash in hashed collections. */
  function storedKey(collection: string, key: string): string | Promise<string> {
    return hasher && shouldHash?.(collection) ? hasher.then((hash) => hash(collection, key)) : key;
  }

  /** True when an authenticated expiry has passed by this wrapper's clock (0 = never expires). */
  const isExpired = (expiresAt: number) => expiresAt !== 0 && expiresAt <= now();
  const address = (collection: string, key: string): RecordAddress => ({ namespace, collection, key });

  /** Opens stored bytes; undefined when the record's authenticated expiry has passed, whatever the backend says. */
  function open(keyring: Keyring, collection: string, key: string, stored: Uint8Array | undefined) {
    if (stored === undefined) return undefined;
    const opened = openRecord(keyring, address(collection, key), stored, cache?.readerFor(keyring));
    return isExpired(opened.expiresAt) ? undefined : opened.value;
  }

  /** Opens stored bytes if they are an authentic record for this address, else undefined (never throws a data error). */
  async function tryOpen(collection: string, key: string, stored: Uint8Array): Promise<OpenedRecord | undefined> {
    const keyring = keys.peek() ?? (await keys.current());
    try {
      return openRecord(keyring, address(collection, key), stored, cache?.readerFor(keyring));
    } catch (error) {
      if (isOAuthStoreError(error)) return undefined;
      throw error;
    }
  }

  /**
   * `onlyIfAbsent` lost to an entry the backend still holds. When that entry is an authentic record whose authenticated
   * expiry has passed (its backend expiry was removed, or lags), it is absent by the contract: remove exactly that
   * record and write. Returns whether the write happened.
   */
  async function replaceExpired(
    collection: string,
    name: string,
    key: string,
    sealed: Uint8Array,
    setOptions: SetOptions,
  ): Promise<boolean> {
    if (inner.compareAndSet) {
      const entry = await store.getEntry(collection, name);
      if (entry === undefined) return store.set(collection, name, sealed, setOptions);
      const opened = await tryOpen(collection, key, entry.value);
      if (!opened || !isExpired(opened.expiresAt)) return false;
      // Compare-and-delete: only that dead record goes; a record someone wrote meanwhile stays, and wins.
      await store.delete(collection, name, { ifVersion: entry.version });
      return store.set(collection, name, sealed, setOptions);
    }
    const existing = await store.get(collection, name);
    if (existing === undefined) return store.set(collection, name, sealed, setOptions);
    const opened = await tryOpen(collection, key, existing);
    if (!opened || !isExpired(opened.expiresAt)) return false;
    // A store without compare-and-set: take, and if what was taken is not the dead record (a writer got in between),
    // put that newer record back untouched and report the conflict.
    const taken = await store.take(collection, name);
    if (taken !== undefined && Buffer.compare(Buffer.from(taken), Buffer.from(existing)) !== 0) {
      const theirs = await tryOpen(collection, key, taken);
      const theirExpiry = theirs && theirs.expiresAt !== 0 ? theirs.expiresAt : undefined;
      if (theirExpiry === undefined || theirExpiry > now()) {
        await store.set(collection, name, taken, {
          onlyIfAbsent: true,
          ...(theirExpiry ? { expiresAt: theirExpiry } : {}),
        });
        return false;
      }
    }
    return store.set(collection, name, sealed, setOptions);
  }

  // Operations take the keyring with `keys.peek() ?? (await keys.current())`: once keys are loaded (every operation
  // after start-up) that costs no microtask, and a hashed name is awaited only in hashed collections. Each await on
  // a hot path is measurable next to one AES-GCM operation.
  const base = guardStore(capabilities, {
    async get(collection, key) {
      const keyring = keys.peek() ?? (await keys.current());
      const name = storedKey(collection, key);
      const stored = await store.get(collection, typeof name === 'string' ? name : await name);
      return open(keyring, collection, key, stored);
    },
    async getEntry(collection, key) {
      const keyring = keys.peek() ?? (await keys.current());
      const entry = await store.getEntry(collection, await storedKey(collection, key));
      if (entry === undefined) return undefined;
      const opened = openRecord(keyring, address(collection, key), entry.value, cache?.readerFor(keyring));
      if (isExpired(opened.expiresAt)) return undefined;
      // The version is the inner store's (pass it back as ifVersion); the expiry is the authenticated one.
      return { value: opened.value, version: entry.version, expiresAt: opened.expiresAt || undefined };
    },
    async set(collection, key, value, setOptions) {
      const keyring = keys.peek() ?? (await keys.current());
      const expiresAt = setOptions.expiresAt ?? (setOptions.ttlMs === undefined ? 0 : now() + setOptions.ttlMs);
      if (!Number.isSafeInteger(expiresAt)) {
        throw new InvalidValueError(
          'ttlMs is too large: the expiry would be past the year 285,000. Omit ttlMs for a record that never expires.',
          { source: SOURCE },
        );
      }
      const sealed = cache
        ? sealWithDataKey(cache.dataKeyFor(keyring), address(collection, key), value, expiresAt)
        : sealRecord(keyring, address(collection, key), value, expiresAt);
      const hashed = storedKey(collection, key);
      const name = typeof hashed === 'string' ? hashed : await hashed;
      // An absolute expiry (migrate) reaches the inner store as it is. A relative one stays relative: the inner store
      // reads its clock a little later, so its copy of the expiry is never earlier than the authenticated one and a
      // 1 ms TTL can never arrive there already in the past.
      const innerOptions = setOptions;
      const written = await store.set(collection, name, sealed, innerOptions);
      if (written || !setOptions.onlyIfAbsent) return written;
      return replaceExpired(collection, name, key, sealed, innerOptions);
    },
    async delete(collection, key, deleteOptions) {
      return store.delete(collection, await storedKey(collection, key), deleteOptions);
    },
    async take(collection, key) {
      const keyring = keys.peek() ?? (await keys.current());
      const name = storedKey(collection, key);
      const stored = await store.take(collection, typeof name === 'string' ? name : await name);
      return open(keyring, collection, key, stored);
    },
    async list(collection, listOptions) {
      if (shouldHash?.(collection)) {
        throw new NotSupportedError(
          `collection "${collection}" stores hashed key names (hashKeysIn), so its keys cannot be listed. Keep an index in a collection that is not hashed if you need to enumerate.`,
          { source: SOURCE },
        );
      }
      return store.list(collection, listOptions);
    },
    async close() {
      cache?.clear();
      await Promise.all([
        keys.close(),
        options.hashKey && isKeySource(options.hashKey) ? options.hashKey.close?.() : undefined,
      ]);
      await store.close();
    },
  });

  const envelope: EnvelopeStore = {
    ...base,
    capabilities,
    async ready() {
      // The inner store's own start-up checks (a dead server, a missing region, table or bucket) surface here too.
      const inner = store as ByteStore & { ready?: () => Promise<unknown> };
      await Promise.all([keys.ready(), hasher, typeof inner.ready === 'function' ? inner.ready() : undefined]);
    },
    refreshKeys: () => keys.refresh(),
    keyStatus: () => keys.status(),
    async rewrap(rewrapOptions) {
      return rewrap(store, await keys.current(), rewrapOptions);
    },
  };
  rememberInnerStore(envelope, store);
  return envelope;
}
