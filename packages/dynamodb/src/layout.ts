/**
 * How entries are laid out in the table. Every entry is one item:
 *
 * | attribute | type | holds |
 * |---|---|---|
 * | `pk`  | B | table partition key: u16 collection length, collection UTF-8, key UTF-8 |
 * | `lpk` | B | list-index partition key: u16 shard, collection UTF-8 |
 * | `k`   | B | list-index sort key: key UTF-8 |
 * | `v`   | B | the record as the runtime framed it (expiry, version, value), stored verbatim |
 * | `ver` | B | the record's 16-byte version (a copy of frame bytes 9..24), what compare-and-set conditions compare |
 * | `exp` | N | precise expiry, epoch milliseconds (absent: never expires) |
 * | `ttl` | N | the same expiry rounded UP to epoch seconds, for DynamoDB's own TTL deletion |
 *
 * Why: a partition key per entry spreads every collection over the whole table, so no collection (a flood of dynamic
 * client registrations, say) becomes a hot partition. Listing a collection then needs the index, whose partition key
 * is (collection, shard): a collection's index writes spread over `listShards` index partitions instead of one.
 */
import { createHash } from 'node:crypto';

/** Name of the table's partition key attribute (binary). */
export const PARTITION_KEY = 'pk';
/** Name of the list index's partition key attribute (binary: shard, collection). */
export const LIST_PARTITION_KEY = 'lpk';
/** Name of the list index's sort key attribute (binary: the entry key). */
export const LIST_SORT_KEY = 'k';
/** Name of the record attribute (binary): the framed record the runtime hands the driver. */
export const VALUE_ATTRIBUTE = 'v';
/**
 * Name of the version attribute (binary, 16 bytes): a copy of the frame's version, because a condition expression can
 * compare a whole attribute but not a slice of one.
 */
export const VERSION_ATTRIBUTE = 'ver';
/** Name of the precise expiry attribute (number, epoch milliseconds). */
export const EXPIRES_AT_ATTRIBUTE = 'exp';
/** Name of the attribute DynamoDB's TTL deletion reads (number, epoch seconds). */
export const TTL_ATTRIBUTE = 'ttl';
/** Name of the global secondary index `list` queries. */
export const LIST_INDEX_NAME = 'oauth-store-list';

/** Largest key in UTF-8 bytes: a global secondary index sort key holds at most 1024 bytes. */
export const MAX_KEY_BYTES = 1024;
/** Largest collection name in UTF-8 bytes. */
export const MAX_COLLECTION_BYTES = 256;
/** Default number of list-index shards per collection. */
export const DEFAULT_LIST_SHARDS = 8;
/** Largest number of list-index shards (the shard is stored as an unsigned 16-bit number). */
export const MAX_LIST_SHARDS = 1024;

/** DynamoDB's item size limit: 400 KB, counted as attribute name lengths plus value sizes. */
export const DYNAMODB_MAX_ITEM_BYTES = 400 * 1024;
/** Bytes the runtime's record frame adds in front of every value (see `record-frame.ts` in core). */
const FRAME_HEADER_BYTES = 25;
/**
 * Worst-case bytes an item spends outside the value: attribute names (16 bytes), `pk` (2 + 256 + 1024), `lpk`
 * (2 + 256), `k` (1024), the frame header (25), `ver` (16), and the two numbers (at most 21 bytes each by DynamoDB's
 * sizing rule).
 */
export const MAX_ITEM_OVERHEAD_BYTES =
  16 +
  (2 + MAX_COLLECTION_BYTES + MAX_KEY_BYTES) +
  (2 + MAX_COLLECTION_BYTES) +
  MAX_KEY_BYTES +
  FRAME_HEADER_BYTES +
  16 +
  2 * 21;
/** Largest value: the item limit minus the worst-case overhead, rounded down to whole KiB (397 KiB = 406,528 bytes). */
export const MAX_VALUE_BYTES = Math.floor((DYNAMODB_MAX_ITEM_BYTES - MAX_ITEM_OVERHEAD_BYTES) / 1024) * 1024;

const encoder = new TextEncoder();
// ignoreBOM: a key may start with U+FEFF, which the default decoder would silently drop.
const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** UTF-8 bytes of a (validated, well-formed) string. */
export function utf8(value: string): Uint8Array {
  return encoder.encode(value);
}

/** The string a key's UTF-8 bytes spell; throws on bytes that are not UTF-8. */
export function fromUtf8(bytes: Uint8Array): string {
  return decoder.decode(bytes);
}

/** The table partition key of (collection, key): a length prefix keeps every pair distinct. */
export function partitionKey(collection: Uint8Array, key: Uint8Array): Uint8Array {
  const out = new Uint8Array(2 + collection.byteLength + key.byteLength);
  new DataView(out.buffer).setUint16(0, collection.byteLength);
  out.set(collection, 2);
  out.set(key, 2 + collection.byteLength);
  return out;
}

/** The list-index partition key of one shard of a collection: the fixed-width shard first keeps pairs distinct. */
export function listPartitionKey(collection: Uint8Array, shard: number): Uint8Array {
  const out = new Uint8Array(2 + collection.byteLength);
  new DataView(out.buffer).setUint16(0, shard);
  out.set(collection, 2);
  return out;
}

/** The shard a key's index entry lands in: a stable hash, so writers in every process agree. */
export function shardOf(key: Uint8Array, shards: number): number {
  if (shards === 1) return 0;
  return createHash('sha256').update(key).digest().readUInt32BE(0) % shards;
}

/** DynamoDB TTL value (epoch seconds) for a precise expiry, rounded up so DynamoDB never deletes an entry early. */
export function ttlSeconds(expiresAtMs: number): number {
  return Math.ceil(expiresAtMs / 1000);
}
