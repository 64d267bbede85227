/**
 * Where one (collection, key) lives in Redis.
 *
 * Layout, with `P` the key prefix, `C` the collection as base64url (no padding) and `b` the bucket number:
 *
 * ```
 * P{C.b}e:<key as raw UTF-8>   the entry (a Redis string; TTL set natively)
 * P{C.b}i                      the bucket's key index (a sorted set, all scores 0: ordered by key bytes)
 * P{C.b}x                      legacy: the expiry index written by releases before the pipelined write (no longer
 *                              written or read; its members are removed with their key-index members)
 * ```
 *
 * The key index may hold members whose entry is gone (taken, deleted, expired natively): writers add members, but
 * `take` and `delete` leave them, and `list` and the index sweep remove them once they see the entry missing.
 *
 * Why it cannot collide: the base64url alphabet has no `}`, so the collection part ends at the first `}`; the prefix
 * may contain no `{` or `}` (checked), so the hash tag is exactly `C.b`; after the tag comes `e:` for entries and a
 * lone `i` or `x` for the indexes, and the entry's remainder is the key's bytes. Two different (collection, key)
 * pairs therefore never map to the same Redis key, whatever bytes the key contains (Redis keys are binary-safe).
 *
 * Why the hash tag is per bucket: an entry and its index memberships must sit in one hash slot so a Lua script can
 * change them atomically on Redis Cluster (GETDEL plus ZREM). A tag per collection would put a whole collection on
 * one master; a tag per (collection, bucket) spreads each collection over `buckets` slots, with `bucket` derived from
 * the key: {@link bucketHash} of its UTF-8 bytes, modulo `buckets`. The bucket count and that hash are therefore part
 * of the layout: data written with another count or hash is not found.
 *
 * Key names are built as strings: Redis clients send a string argument as its UTF-8 bytes, and the UTF-8 encoding of
 * `tag + "e:" + key` is the tag's bytes followed by the key's (the tag ends in ASCII), the same bytes as
 * concatenating the two encodings, without allocating a Buffer per name per operation.
 */
const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;
/** Collections whose bucket tags are kept ready; past this the cache starts over (names are caller-chosen). */
const TAG_CACHE_LIMIT = 256;

/**
 * 32-bit FNV-1a of the key's UTF-8 bytes (as `Buffer.from(key, 'utf8')` encodes it: a lone surrogate becomes
 * U+FFFD). Part of the key layout, so it must never change. FNV-1a rather than a cryptographic hash: the buckets only
 * spread load, they guard nothing, and it costs tens of nanoseconds against microseconds for `createHash('sha1')`,
 * paid on every operation. Pure JavaScript, so it gives the same answer on every Node version and in FIPS mode.
 */
export function bucketHash(key: string): number {
  let hash = FNV_OFFSET;
  for (let i = 0; i < key.length; i++) {
    const unit = key.charCodeAt(i);
    // Only non-ASCII keys pay for a real encoder.
    if (unit >= 0x80) return hashBytes(Buffer.from(key, 'utf8'));
    hash = Math.imul(hash ^ unit, FNV_PRIME);
  }
  return hash >>> 0;
}

function hashBytes(bytes: Uint8Array): number {
  let hash = FNV_OFFSET;
  for (const byte of bytes) hash = Math.imul(hash ^ byte, FNV_PRIME);
  return hash >>> 0;
}

/** Where one (collection, key) lives in Redis: every Redis key involved in one entry. */
export interface EntryKeys {
  /** The entry's Redis key. */
  entry: string;
  /** The bucket's key index (sorted set). */
  index: string;
  /** The bucket's legacy expiry index (sorted set; see the layout above). */
  expiry: string;
  /** What the bucket's entry keys start with (the tag and `e:`): a script turns a member into its entry key. */
  entryPrefix: string;
  /** The key itself: the member stored in the key index. */
  member: string;
}

/** The Redis keys of one bucket of a collection. */
export interface BucketKeys {
  /** The bucket's key index (sorted set). */
  index: string;
  /** The bucket's legacy expiry index (sorted set; see the layout above). */
  expiry: string;
  /** What the bucket's entry keys start with: the tag and `e:`. */
  entryPrefix: string;
}

/** Maps (collection, key) to Redis keys; see the comment at the top of this file for the layout and why it is collision-free. */
export class KeyLayout {
  readonly #prefix: string;
  readonly #buckets: number;
  readonly #names = new Map<string, BucketKeys[]>();

  constructor(prefix: string, buckets: number) {
    this.#prefix = prefix;
    this.#buckets = buckets;
  }

  /** The bucket (0 .. buckets-1) a key belongs to: a stable function of the key's bytes. */
  bucketOf(key: string): number {
    if (this.#buckets === 1) return 0;
    return bucketHash(key) % this.#buckets;
  }

  /** The names of every bucket of a collection, built once per collection. */
  #bucketNames(collection: string): BucketKeys[] {
    let names = this.#names.get(collection);
    if (!names) {
      const encoded = Buffer.from(collection, 'utf8').toString('base64url');
      names = Array.from({ length: this.#buckets }, (_, bucket) => {
        const tag = `${this.#prefix}{${encoded}.${bucket}}`;
        return { entryPrefix: `${tag}e:`, index: `${tag}i`, expiry: `${tag}x` };
      });
      if (this.#names.size >= TAG_CACHE_LIMIT) this.#names.clear();
      this.#names.set(collection, names);
    }
    return names;
  }

  /** Every Redis key involved in one entry. */
  entryKeys(collection: string, key: string): EntryKeys {
    const names = this.bucketOfKey(collection, key);
    return {
      entry: names.entryPrefix + key,
      index: names.index,
      expiry: names.expiry,
      entryPrefix: names.entryPrefix,
      member: key,
    };
  }

  /** The entry's Redis key alone (what `get` and `take` need, without building the rest). */
  entryKey(collection: string, key: string): string {
    return this.bucketOfKey(collection, key).entryPrefix + key;
  }

  /** The keys of the bucket that holds `key` (shared, cached: do not modify). */
  bucketOfKey(collection: string, key: string): BucketKeys {
    return this.#bucketNames(collection)[this.bucketOf(key)] as BucketKeys;
  }

  /** The keys of every bucket of a collection, in bucket order. */
  bucketKeys(collection: string): BucketKeys[] {
    return this.#bucketNames(collection).map(({ index, expiry, entryPrefix }) => ({ index, expiry, entryPrefix }));
  }
}
