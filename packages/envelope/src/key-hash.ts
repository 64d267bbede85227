import { createHmac, hkdfSync } from 'node:crypto';
import { ConfigurationError, KEK_BYTES } from '@oauth-store/core';
import { concatBytes, lengthPrefixed } from './format';

/** HKDF-SHA256 salt turning the `hashKey` secret into the HMAC key for key names. */
export const KEY_HASH_SALT = 'oauth-store/key-hash/v1';
/** HKDF-SHA256 info for the same derivation. */
export const KEY_HASH_INFO = 'oauth-store key-name hashing';
/** Length in characters of a hashed key name (base64url of a 32-byte HMAC, no padding). */
export const HASHED_KEY_LENGTH = 43;

/** Maps a logical (collection, key) to the name the backend stores it under. */
export type KeyHasher = (collection: string, key: string) => string;

/**
 * Builds the key-name hasher: base64url(HMAC-SHA256(K, u32 len(collection) | collection | u32 len(key) | key)),
 * K = HKDF-SHA256(hashKey, KEY_HASH_SALT, KEY_HASH_INFO, 32). The HKDF step separates this use from any other use
 * of the same secret (it is safe, though not recommended, to reuse a KEK as the hash key).
 */
export function createKeyHasher(hashKey: Uint8Array): KeyHasher {
  if (!(hashKey instanceof Uint8Array) || hashKey.length < KEK_BYTES) {
    throw new ConfigurationError(
      `hashKey must be at least ${KEK_BYTES} random bytes. Generate one with \`openssl rand -base64 32\` and decode it with keyFromSecret().`,
      { source: 'envelope' },
    );
  }
  const macKey = Buffer.from(hkdfSync('sha256', hashKey, KEY_HASH_SALT, KEY_HASH_INFO, 32));
  return (collection, key) =>
    createHmac('sha256', macKey)
      .update(concatBytes([lengthPrefixed(collection), lengthPrefixed(key)]))
      .digest('base64url');
}
