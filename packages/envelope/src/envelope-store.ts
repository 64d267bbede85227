import {
  type ByteStore,
  ConfigurationError,
  defineLegacyStore,
  isOAuthStoreError,
  type KeySource,
  NotSupportedError,
  type StoreCapabilities,
} from '@oauth-store/core';
import { MAX_ENVELOPE_OVERHEAD } from './format';
import { rememberInnerStore } from './inner-store';
import { createKeyHasher, type KeyHasher } from './key-hash';
import { DEFAULT_REFRESH_INTERVAL_MS, KeyManager } from './key-manager';
import { toKeyring } from './keyring';
import type { EnvelopeOptions, EnvelopeStore } from './options';
import { rewrap } from './rewrap';
import { openRecord, sealRecord } from './seal';

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
    compareAndSet: false,
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

  /** The name the backend sees: the key itself, or its keyed hash in hashed collections. */
  async function storedKey(collection: string, key: string): Promise<string> {
    return hasher && shouldHash?.(collection) ? (await hasher)(collection, key) : key;
  }

  const base = defineLegacyStore({
    capabilities,
    async get(collection, key) {
      const keyring = await keys.current();
      const stored = await store.get(collection, await storedKey(collection, key));
      return stored === undefined ? undefined : openRecord(keyring, { collection, key }, stored);
    },
    async set(collection, key, value, setOptions) {
      const keyring = await keys.current();
      const expiresAt = setOptions.ttlMs === undefined ? 0 : now() + setOptions.ttlMs;
      const sealed = sealRecord(keyring, { collection, key }, value, expiresAt);
      return store.set(collection, await storedKey(collection, key), sealed, setOptions);
    },
    async delete(collection, key) {
      return store.delete(collection, await storedKey(collection, key));
    },
    async take(collection, key) {
      const keyring = await keys.current();
      const stored = await store.take(collection, await storedKey(collection, key));
      return stored === undefined ? undefined : openRecord(keyring, { collection, key }, stored);
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
      await Promise.all([keys.ready(), hasher]);
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
