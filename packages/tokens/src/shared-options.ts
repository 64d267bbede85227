import { randomBytes } from 'node:crypto';
import { assertStore, type ByteStore, ConfigurationError, type KeyHasher, sha256KeyHasher } from '@oauth-store/core';

/** Options every token store accepts. */
export interface TokenStoreOptions {
  /**
   * Prefix of every collection name, so several servers (or other oauth-store users) can share one store.
   * Default `tokens:`.
   */
  prefix?: string;
  /**
   * Maps every token, `jti` and `request_uri` to the key the backend sees. Default {@link sha256KeyHasher}: enough for
   * the high-entropy random values this package generates itself; for values chosen by others (a client's `jti`) pass
   * an HMAC keyed with a secret every instance shares, so the backend and its logs cannot confirm a guess:
   * `(key) => createHmac('sha256', secret).update(key).digest('base64url')`.
   */
  keyHasher?: KeyHasher;
  /** Clock (epoch ms), for tests. Default `Date.now`. */
  now?: () => number;
}

/** {@link TokenStoreOptions} after defaults and checks. */
export interface ResolvedTokenStoreOptions {
  store: ByteStore;
  prefix: string;
  keyHasher: KeyHasher;
  now: () => number;
}

/** Default collection-name prefix. */
export const DEFAULT_TOKENS_PREFIX = 'tokens:';

/** Checks the store and the shared options; throws {@link ConfigurationError} saying what to fix. */
export function resolveTokenStoreOptions(
  store: unknown,
  options: TokenStoreOptions | undefined,
  source: string,
): ResolvedTokenStoreOptions {
  assertStore(store, source);
  if (options !== undefined && (options === null || typeof options !== 'object')) {
    throw new ConfigurationError('options must be an object.', { source });
  }
  const prefix = options?.prefix ?? DEFAULT_TOKENS_PREFIX;
  if (typeof prefix !== 'string' || prefix.length === 0 || prefix.length > 64) {
    throw new ConfigurationError('prefix must be a string of 1 to 64 characters, for example "tokens:".', { source });
  }
  const keyHasher = options?.keyHasher ?? sha256KeyHasher;
  if (typeof keyHasher !== 'function') {
    throw new ConfigurationError('keyHasher must be a function from a token to the key stored in the backend.', {
      source,
    });
  }
  const now = options?.now ?? Date.now;
  if (typeof now !== 'function') throw new ConfigurationError('now must be a function returning epoch ms.', { source });
  return { store, prefix, keyHasher, now };
}

/** Refuses a store whose conditional writes are not atomic across processes (the guarantees below depend on it). */
export function assertAtomicStore(store: ByteStore, source: string, what: string): void {
  if (!store.capabilities.compareAndSet || !store.capabilities.atomicTake) {
    throw new ConfigurationError(
      `the "${store.capabilities.name}" store's conditional writes are not atomic across processes, so ${what}. Use Redis, PostgreSQL, DynamoDB, Firestore or Cloud Storage.`,
      { source },
    );
  }
}

/** Checks a duration option (ms): a positive safe integer within [min, max]. */
export function durationOption(
  value: unknown,
  fallback: number,
  name: string,
  source: string,
  range: { min?: number; max?: number } = {},
): number {
  const chosen = value ?? fallback;
  const min = range.min ?? 1;
  const max = range.max ?? Number.MAX_SAFE_INTEGER;
  if (typeof chosen !== 'number' || !Number.isSafeInteger(chosen) || chosen < min || chosen > max) {
    throw new ConfigurationError(`${name} must be a whole number of milliseconds from ${min} to ${max}.`, { source });
  }
  return chosen;
}

/** A new opaque token: 256 random bits, base64url. */
export function newOpaqueToken(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}
