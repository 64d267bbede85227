import type { ListOptions, SetOptions, StoreCapabilities } from './contract';
import { InvalidKeyError, InvalidValueError, ValueTooLargeError } from './errors';

/** Smallest `maxKeyBytes` an adapter may declare: client ids can be long URLs (Client ID Metadata Documents). */
export const MIN_KEY_BYTES = 512;
/** Default page size of `list`. */
export const DEFAULT_LIST_LIMIT = 100;
/** Largest page size `list` accepts. */
export const MAX_LIST_LIMIT = 1000;

/** UTF-8 length of a string in bytes (no allocation: it runs on every operation). */
export function utf8Length(value: string): number {
  return Buffer.byteLength(value, 'utf8');
}

function checkName(kind: 'key' | 'collection', value: unknown, max: number, source: string): void {
  if (typeof value !== 'string') {
    throw new InvalidKeyError(`the ${kind} must be a string, got ${value === null ? 'null' : typeof value}.`, {
      source,
    });
  }
  if (value.length === 0) {
    throw new InvalidKeyError(`the ${kind} must not be empty.`, { source });
  }
  // A lone UTF-16 surrogate has no UTF-8 encoding: two different strings would be stored as the same bytes.
  if (!value.isWellFormed()) {
    throw new InvalidKeyError(`the ${kind} contains a lone UTF-16 surrogate and cannot be encoded as UTF-8.`, {
      source,
    });
  }
  const bytes = utf8Length(value);
  if (bytes > max) {
    throw new InvalidKeyError(
      `the ${kind} is ${bytes} UTF-8 bytes; this store accepts at most ${max}. Hash longer ${kind}s (for example SHA-256) before storing them.`,
      { source },
    );
  }
}

/** Throws {@link InvalidKeyError} unless collection and key are valid for a store with these capabilities. */
export function assertValidKey(capabilities: StoreCapabilities, collection: unknown, key: unknown): void {
  checkName('collection', collection, capabilities.maxCollectionBytes, capabilities.name);
  checkName('key', key, capabilities.maxKeyBytes, capabilities.name);
}

/** Throws unless `value` is a Uint8Array within the store's size limit. */
export function assertValidValue(capabilities: StoreCapabilities, value: unknown): asserts value is Uint8Array {
  if (!(value instanceof Uint8Array)) {
    throw new InvalidValueError(
      `values must be a Uint8Array (or Buffer), got ${value === null ? 'null' : typeof value}. Encode strings and objects first, or use ClientStore / TransactionStore.`,
      { source: capabilities.name },
    );
  }
  if (value.byteLength > capabilities.maxValueBytes) {
    throw new ValueTooLargeError(
      `the value is ${value.byteLength} bytes; this store accepts at most ${capabilities.maxValueBytes}. Store less data per entry.`,
      { source: capabilities.name },
    );
  }
}

/**
 * True when `key` can name an entry of this store. Lookups of ids taken from a request (client ids, codes, tokens)
 * use it to answer "not found" for ids that cannot exist (empty, too long, a lone surrogate, not a string), so an
 * unknown client gets `invalid_client` from the server, not a 500.
 */
export function isStorableKey(capabilities: StoreCapabilities, key: unknown): key is string {
  return typeof key === 'string' && key.length > 0 && key.isWellFormed() && utf8Length(key) <= capabilities.maxKeyBytes;
}

/** Throws {@link InvalidValueError} unless the set options are well formed. */
export function assertValidSetOptions(capabilities: StoreCapabilities, options: SetOptions | undefined): void {
  if (options === undefined) return;
  if (typeof options !== 'object' || options === null) {
    throw new InvalidValueError('set options must be an object.', { source: capabilities.name });
  }
  const { ttlMs, onlyIfAbsent } = options;
  if (ttlMs !== undefined && !(Number.isSafeInteger(ttlMs) && ttlMs > 0)) {
    throw new InvalidValueError(`ttlMs must be a positive integer number of milliseconds, got ${String(ttlMs)}.`, {
      source: capabilities.name,
    });
  }
  if (onlyIfAbsent !== undefined && typeof onlyIfAbsent !== 'boolean') {
    throw new InvalidValueError('onlyIfAbsent must be a boolean.', { source: capabilities.name });
  }
  const { expiresAt } = options;
  if (expiresAt !== undefined) {
    if (!(Number.isSafeInteger(expiresAt) && expiresAt > 0)) {
      throw new InvalidValueError(
        `expiresAt must be an integer epoch time in milliseconds, got ${String(expiresAt)}.`,
        {
          source: capabilities.name,
        },
      );
    }
    if (ttlMs !== undefined) {
      throw new InvalidValueError('set: use either ttlMs or expiresAt, not both.', { source: capabilities.name });
    }
  }
  if (options.ifVersion !== undefined && typeof options.ifVersion !== 'string') {
    throw new InvalidValueError('ifVersion must be the version string returned by getEntry.', {
      source: capabilities.name,
    });
  }
}

/** Validates list options and fills in the default limit. */
export function normalizeListOptions(
  capabilities: StoreCapabilities,
  options: ListOptions | undefined,
): { cursor: string | undefined; limit: number } {
  const limit = options?.limit ?? DEFAULT_LIST_LIMIT;
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_LIST_LIMIT) {
    throw new InvalidValueError(`limit must be an integer from 1 to ${MAX_LIST_LIMIT}, got ${String(limit)}.`, {
      source: capabilities.name,
    });
  }
  const cursor = options?.cursor;
  if (cursor !== undefined && (typeof cursor !== 'string' || cursor.length === 0)) {
    throw new InvalidValueError('cursor must be the non-empty string returned by the previous list call.', {
      source: capabilities.name,
    });
  }
  return { cursor, limit };
}

/** Absolute expiry (epoch ms) for a TTL, or undefined when there is none. */
export function expiresAtFor(ttlMs: number | undefined, now: number = Date.now()): number | undefined {
  return ttlMs === undefined ? undefined : now + ttlMs;
}

/** True when an entry with this absolute expiry (epoch ms) is no longer live. */
export function isExpired(expiresAt: number | null | undefined, now: number = Date.now()): boolean {
  return expiresAt !== undefined && expiresAt !== null && expiresAt <= now;
}
