import {
  assertValidKey,
  type ByteStore,
  ConfigurationError,
  InvalidValueError,
  isStorableKey,
} from '@oauth-store/core';
import { SlotCounter } from './counter';
import { decodeEntry, encodeEntry } from './entry';
import { resolveSecondaryStorageOptions, type SecondaryStorageOptions } from './options';
import type { OAuthStoreSecondaryStorage } from './types';

const SOURCE = 'better-auth';
/** Largest TTL accepted, in milliseconds (about 142 years). */
const MAX_TTL_MS = 4_500_000_000_000;

/** Seconds (absent or 0: none) to the store's milliseconds; anything else is an {@link InvalidValueError}. */
function ttlMsFromSeconds(ttl: unknown, name: string): number | undefined {
  if (ttl === undefined || ttl === null || ttl === 0) return undefined;
  if (typeof ttl !== 'number' || !Number.isFinite(ttl) || ttl < 0) {
    // The value is not echoed: say what is wrong (its type or range), never what it is.
    throw new InvalidValueError(
      `${name} must be a finite number of seconds >= 0 (or omitted), got ${describeKind(ttl)}.`,
      { source: SOURCE },
    );
  }
  const ttlMs = Math.max(1, Math.round(ttl * 1000));
  // Bounded well below 2^53 ms so derived TTLs (counter slots outlive their anchor) stay exact integers: otherwise
  // an increment could write its anchor and then fail on the slot.
  if (ttlMs > MAX_TTL_MS) {
    throw new InvalidValueError(`${name} must be at most ${MAX_TTL_MS / 1000} seconds.`, { source: SOURCE });
  }
  return ttlMs;
}

/** What kind of value `value` is, for error messages that must not echo it. */
function describeKind(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value !== 'number') return typeof value;
  if (Number.isNaN(value)) return 'NaN';
  if (!Number.isFinite(value)) return 'an infinite number';
  return value < 0 ? 'a negative number' : 'a number';
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

  // Lookups and deletes of keys that cannot name an entry (not a string, empty, too long, a lone surrogate) find
  // nothing, as for any unknown key: better-auth derives keys from request data (session tokens, verification ids),
  // so such a key is a bad request, not a server error. Writes validate first and throw a typed error, writing nothing.
  const knownKey = (key: unknown): key is string => isStorableKey(store.capabilities, key);
  return {
    async get(key) {
      if (!knownKey(key)) return null;
      return read(await store.get(collection, key));
    },
    async getAndDelete(key) {
      if (!knownKey(key)) return null;
      return read(await store.take(collection, key));
    },
    async set(key, value, ttl) {
      assertValidKey(store.capabilities, collection, key);
      if (typeof value !== 'string') {
        throw new InvalidValueError(`set stores strings (better-auth serializes first), got ${describeKind(value)}.`, {
          source: SOURCE,
        });
      }
      // UTF-8 cannot hold a lone surrogate: the encoder would replace it, and get would return another string.
      if (!value.isWellFormed()) {
        throw new InvalidValueError(
          'set was given a string with a lone UTF-16 surrogate, which cannot be stored as is.',
          {
            source: SOURCE,
          },
        );
      }
      const ttlMs = ttlMsFromSeconds(ttl, 'ttl');
      await store.set(collection, key, encodeEntry({ kind: 'string', value }), ttlMs === undefined ? {} : { ttlMs });
    },
    async delete(key) {
      if (!knownKey(key)) return;
      await store.delete(collection, key);
    },
    async increment(key, ttl) {
      assertValidKey(store.capabilities, collection, key);
      return counter.increment(key, ttlMsFromSeconds(ttl, 'ttl'));
    },
  };
}
