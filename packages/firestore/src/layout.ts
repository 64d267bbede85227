/**
 * How entries sit in Firestore: `{rootCollection}/{collection id}/{entriesCollection}/{key id}`, one document per
 * entry with the fields `value` (bytes) and `expiresAt` (timestamp, absent when the entry never expires).
 *
 * Document and collection ids are the UTF-8 bytes of the name, base64url-encoded without padding, behind a one-letter
 * prefix. Firestore ids must be valid UTF-8, at most 1,500 bytes, contain no `/`, not be `.` or `..`, and not match
 * `__.*__` (https://cloud.google.com/firestore/quotas#collections_documents_and_fields). base64url uses only
 * `A-Z a-z 0-9 - _`, so there is never a `/` (nor a `.`); the letter prefix guarantees the id never starts with `__`
 * (and keeps key and collection ids apart when reading raw data); and base64url is one-to-one on byte strings (well-formed strings have exactly one UTF-8 encoding, checked by core), so two
 * different names never share an id.
 */

/** The source name every error of this adapter carries. */
export const SOURCE = 'firestore';

/** Field holding the record as core's runtime framed it (expiry, version, value), stored verbatim. */
export const VALUE_FIELD = 'value';
/**
 * Field holding the absolute expiry as a Firestore Timestamp; the field of the TTL policy (see the README). Absent on
 * entries without a TTL, which a TTL policy then never deletes.
 */
export const EXPIRES_AT_FIELD = 'expiresAt';

/** Default root collection: one document per store collection under it. */
export const DEFAULT_ROOT_COLLECTION = 'oauth_store';
/**
 * Default id of the per-collection subcollection that holds the entries. It names the collection group of the TTL
 * policy, which applies to every collection with this id in the database, so it is deliberately unlikely to clash.
 */
export const DEFAULT_ENTRIES_COLLECTION = 'oauth_store_entries';

/** Firestore's limit on a document or collection id, in UTF-8 bytes. */
export const FIRESTORE_MAX_ID_BYTES = 1500;
/** Prefix of every key document id. */
export const KEY_ID_PREFIX = 'k';
/** Prefix of every collection document id. */
export const COLLECTION_ID_PREFIX = 'c';

/** Length of the unpadded base64url encoding of `bytes` bytes. */
export function base64urlLength(bytes: number): number {
  return Math.ceil((bytes * 4) / 3);
}

/**
 * Longest key, in UTF-8 bytes: its id is 1 + ceil(4 * 1024 / 3) = 1,367 bytes, under Firestore's 1,500. (The largest
 * that would fit is 1,124 bytes; 1,024 keeps a round figure with room to spare.)
 */
export const MAX_KEY_BYTES = 1024;
/** Longest collection name, in UTF-8 bytes: its id is 1 + ceil(4 * 256 / 3) = 343 bytes. */
export const MAX_COLLECTION_BYTES = 256;
/**
 * Largest value, in bytes. A Firestore document is at most 1 MiB (1,048,576 bytes), counting the document name (at
 * most about 1.9 KB here with the default collection names), field names, a bytes field's length, 8 bytes for a
 * timestamp and 32 bytes of overhead (https://cloud.google.com/firestore/docs/storage-size). 1,000,000 leaves over
 * 45 KB of margin for long custom root paths.
 */
export const MAX_VALUE_BYTES = 1_000_000;

/** The document id of a key. */
export function keyId(key: string): string {
  return KEY_ID_PREFIX + Buffer.from(key, 'utf8').toString('base64url');
}

/** The document id of a store collection. */
export function collectionId(collection: string): string {
  return COLLECTION_ID_PREFIX + Buffer.from(collection, 'utf8').toString('base64url');
}

const KEY_ID = new RegExp(`^${KEY_ID_PREFIX}[A-Za-z0-9_-]+$`);

/** True when `id` has the shape of a key document id (it can then be decoded). */
export function isKeyId(id: string): boolean {
  return id.length <= FIRESTORE_MAX_ID_BYTES && KEY_ID.test(id);
}

/** The key a key document id encodes. The caller checks {@link isKeyId} first. */
export function keyFromId(id: string): string {
  return Buffer.from(id.slice(KEY_ID_PREFIX.length), 'base64url').toString('utf8');
}

/** True when `segment` is a valid Firestore collection id (used to check the configured collection names). */
export function isValidCollectionSegment(segment: string): boolean {
  return (
    segment.length > 0 &&
    segment.isWellFormed() &&
    Buffer.byteLength(segment, 'utf8') <= FIRESTORE_MAX_ID_BYTES &&
    !segment.includes('/') &&
    segment !== '.' &&
    segment !== '..' &&
    !/^__.*__$/s.test(segment)
  );
}
