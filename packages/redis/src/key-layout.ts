import { createHash } from 'node:crypto';

/**
 * Where one (collection, key) lives in Redis.
 *
 * Layout, with `P` the key prefix, `C` the collection as base64url (no padding) and `b` the bucket number:
 *
 * ```
 * P{C.b}e:<key as raw UTF-8>   the entry (a Redis string; TTL set natively)
 * P{C.b}i                      the bucket's key index (a sorted set, all scores 0: ordered by key bytes)
 * P{C.b}x                      the bucket's expiry index (a sorted set: key -> absolute expiry in ms)
 * ```
 *
 * Why it cannot collide: the base64url alphabet has no `}`, so the collection part ends at the first `}`; the prefix
 * may contain no `{` or `}` (checked), so the hash tag is exactly `C.b`; after the tag comes `e:` for entries and a
 * lone `i` or `x` for the indexes, and the entry's remainder is the key's bytes. Two different (collection, key)
 * pairs therefore never map to the same Redis key, whatever bytes the key contains (Redis keys are binary-safe).
 *
 * Why the hash tag is per bucket: an entry and its index memberships must sit in one hash slot so a Lua script can
 * change them atomically on Redis Cluster (GETDEL plus ZREM). A tag per collection would put a whole collection on
 * one master; a tag per (collection, bucket) spreads each collection over `buckets` slots, with `bucket` derived from
 * the key's SHA-1. The bucket count is therefore part of the layout: data written with one count is not found with
 * another.
 */
export interface EntryKeys {
  /** The entry's Redis key. */
  entry: Buffer;
  /** The bucket's key index (sorted set). */
  index: Buffer;
  /** The bucket's expiry index (sorted set). */
  expiry: Buffer;
  /** The key's UTF-8 bytes: the member stored in both indexes. */
  member: Buffer;
}

/** The two index keys of one bucket of a collection. */
export interface BucketKeys {
  /** The bucket's key index (sorted set). */
  index: Buffer;
  /** The bucket's expiry index (sorted set). */
  expiry: Buffer;
}

/** Maps (collection, key) to Redis keys; see {@link EntryKeys} for the layout and why it is collision-free. */
export class KeyLayout {
  readonly #prefix: string;
  readonly #buckets: number;

  constructor(prefix: string, buckets: number) {
    this.#prefix = prefix;
    this.#buckets = buckets;
  }

  /** The bucket (0 .. buckets-1) a key belongs to: a stable function of the key's bytes. */
  bucketOf(member: Buffer): number {
    if (this.#buckets === 1) return 0;
    return createHash('sha1').update(member).digest().readUInt32BE(0) % this.#buckets;
  }

  #tag(collection: string, bucket: number): string {
    return `${this.#prefix}{${Buffer.from(collection, 'utf8').toString('base64url')}.${bucket}}`;
  }

  /** Every Redis key involved in one entry. */
  entryKeys(collection: string, key: string): EntryKeys {
    const member = Buffer.from(key, 'utf8');
    const tag = this.#tag(collection, this.bucketOf(member));
    return {
      entry: Buffer.concat([Buffer.from(`${tag}e:`, 'utf8'), member]),
      index: Buffer.from(`${tag}i`, 'utf8'),
      expiry: Buffer.from(`${tag}x`, 'utf8'),
      member,
    };
  }

  /** The index keys of every bucket of a collection, in bucket order. */
  bucketKeys(collection: string): BucketKeys[] {
    return Array.from({ length: this.#buckets }, (_, bucket) => {
      const tag = this.#tag(collection, bucket);
      return { index: Buffer.from(`${tag}i`, 'utf8'), expiry: Buffer.from(`${tag}x`, 'utf8') };
    });
  }
}
