import { ConfigurationError } from '@oauth-store/core';

/** Options of {@link createSecondaryStorage}. */
export interface SecondaryStorageOptions {
  /**
   * The collection holding better-auth's keys. Default `better-auth`. Counters also use `<collection>:counter-slots`
   * and `<collection>:counter-heads`.
   */
  collection?: string;
  /**
   * Upper bound on the attempts one `increment` makes before it gives up with a `conflict` error (each attempt is one
   * conditional write; under contention a caller needs about one attempt per concurrent incrementer). Default 10 000.
   */
  maxIncrementAttempts?: number;
}

/** {@link SecondaryStorageOptions} after defaults. */
export interface ResolvedSecondaryStorageOptions {
  collection: string;
  slots: string;
  heads: string;
  maxIncrementAttempts: number;
}

/** Default collection. */
export const DEFAULT_BETTER_AUTH_COLLECTION = 'better-auth';

/** Applies defaults and checks the options; throws {@link ConfigurationError} saying what to fix. */
export function resolveSecondaryStorageOptions(
  options: SecondaryStorageOptions | undefined,
): ResolvedSecondaryStorageOptions {
  if (options !== undefined && (options === null || typeof options !== 'object')) {
    throw new ConfigurationError('options must be an object ({ collection?, maxIncrementAttempts? }).', {
      source: 'better-auth',
    });
  }
  const collection = options?.collection ?? DEFAULT_BETTER_AUTH_COLLECTION;
  if (typeof collection !== 'string' || collection.length === 0) {
    throw new ConfigurationError('collection must be a non-empty string.', { source: 'better-auth' });
  }
  const maxIncrementAttempts = options?.maxIncrementAttempts ?? 10_000;
  if (!Number.isSafeInteger(maxIncrementAttempts) || maxIncrementAttempts < 1) {
    throw new ConfigurationError('maxIncrementAttempts must be a positive integer.', { source: 'better-auth' });
  }
  return {
    collection,
    slots: `${collection}:counter-slots`,
    heads: `${collection}:counter-heads`,
    maxIncrementAttempts,
  };
}
