import { type ByteStore, ConfigurationError, InvalidValueError } from '@oauth-store/core';
import { SlotCounter } from './counter';
import { decodeEntry, encodeEntry } from './entry';
import { resolveSecondaryStorageOptions, type SecondaryStorageOptions } from './options';
import type { OAuthStoreSecondaryStorage } from './types';

const SOURCE = 'better-auth';

/** Seconds (absent or 0: none) to the store's milliseconds; anything else is an {@link InvalidValueError}. */
function ttlMsFromSeconds(ttl: unknown, name: string): number | undefined {
  if (ttl === undefined || ttl === null || ttl === 0) return undefined;
  if (typeof ttl !== 'number' || !Number.isFinite(ttl) || ttl < 0) {
    throw new InvalidValueError(`${name} must be a number of seconds >= 0, got ${String(ttl)}.`, { source: SOURCE });
  }
  return Math.max(1, Math.round(ttl * 1000));
}

/**
 * better-auth's `secondaryStorage` on any oauth-store {@link ByteStore}: sessions, verification values and rate-limit
 * counters shared by every instance on the same store.
 *
 * `getAndDelete` is the store's atomic `take`. `increment` is atomic across processes although the store contract
 * has no increment: see {@link SlotCounter} for how it is built from conditional creates, without locks.
 *
 * @example
 * betterAuth({ database, secondaryStorage: createSecondaryStorage(await createRedisStore({ url })) })
 */
export function createSecondaryStorage(
  store: ByteStore,
  options?: SecondaryStorageOptions & {
    /** Accept a store whose `take` is not atomic (the Keyv bridge): getAndDelete is then not one-time. */
    allowNonAtomicTake?: boolean;
  },
): OAuthStoreSecondaryStorage {
  if (!store || typeof store.take !== 'function' || !store.capabilities) {
    throw new ConfigurationError('createSecondaryStorage needs an oauth-store ByteStore as its first argument.', {
      source: SOURCE,
    });
  }
  if (!store.capabilities.atomicTake && !options?.allowNonAtomicTake) {
    throw new ConfigurationError(
      `the "${store.capabilities.name}" store cannot take an entry atomically, so getAndDelete (one-time verification values) would not be one-time across instances. Use a store with atomic take, or pass allowNonAtomicTake: true to accept the risk.`,
      { source: SOURCE },
    );
  }
  const resolved = resolveSecondaryStorageOptions(options);
  const { collection } = resolved;
  const counter = new SlotCounter(store, resolved);

  const read = async (bytes: Uint8Array | undefined): Promise<string | null> => {
    if (!bytes) return null;
    const entry = decodeEntry(bytes);
    return entry.kind === 'string' ? entry.value : String(await counter.count(entry.window));
  };

  return {
    async get(key) {
      return read(await store.get(collection, key));
    },
    async getAndDelete(key) {
      return read(await store.take(collection, key));
    },
    async set(key, value, ttl) {
      if (typeof value !== 'string') {
        throw new InvalidValueError(`set stores strings (better-auth serializes first), got ${typeof value}.`, {
          source: SOURCE,
        });
      }
      const ttlMs = ttlMsFromSeconds(ttl, 'ttl');
      await store.set(collection, key, encodeEntry({ kind: 'string', value }), ttlMs === undefined ? {} : { ttlMs });
    },
    async delete(key) {
      await store.delete(collection, key);
    },
    async increment(key, ttl) {
      return counter.increment(key, ttlMsFromSeconds(ttl, 'ttl'));
    },
  };
}
