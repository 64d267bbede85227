import type { BucketKeys } from './key-layout';

/** What the list script returns for one bucket. */
export interface BucketRead {
  /** Live members read, in key order. */
  live: Buffer[];
  /** How many members were read, stale ones included. */
  read: number;
  /** The last member read (stale or not); absent when none was read. */
  last: Buffer | undefined;
}

/** Reads up to `count` members after `after` (exclusive; from the start when undefined) from one bucket. */
export type ReadBucket = (bucket: BucketKeys, after: Buffer | undefined, count: number) => Promise<BucketRead>;

/** Most rounds one `list` call makes before returning what it has (a page may come back short; never wrong). */
const MAX_ROUNDS = 16;

/**
 * One page of a collection spread over several buckets, by keyset pagination in key-byte order.
 *
 * Each round reads the next few members of every bucket. A bucket that returned as many members as asked may hold
 * more, so the round is only complete up to the smallest "last member read" among such buckets (the horizon): every
 * key up to the horizon, in every bucket, has been seen. Keys up to the horizon are merged in order and the page
 * ends at the last key returned, or at the horizon. The cursor is that key, and the next page starts strictly after
 * it: a key present for the whole iteration is returned exactly once, whatever is written meanwhile.
 */
export async function readPage(
  buckets: BucketKeys[],
  readBucket: ReadBucket,
  after: Buffer | undefined,
  limit: number,
): Promise<{ keys: Buffer[]; next: Buffer | undefined }> {
  const keys: Buffer[] = [];
  let position = after;
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const want = limit - keys.length;
    // About twice each bucket's expected share, so one round usually fills the page without reading N x limit.
    const count = buckets.length === 1 ? want : Math.min(want, Math.ceil((2 * want) / buckets.length) + 2);
    const reads = await Promise.all(buckets.map((bucket) => readBucket(bucket, position, count)));
    let horizon: Buffer | undefined;
    for (const read of reads) {
      if (read.read >= count && read.last && (!horizon || Buffer.compare(read.last, horizon) < 0)) horizon = read.last;
    }
    const candidates = reads
      .flatMap((read) => read.live)
      .filter((member) => !horizon || Buffer.compare(member, horizon) <= 0)
      .sort(Buffer.compare);
    const taken = candidates.slice(0, want);
    keys.push(...taken);
    if (keys.length === limit) {
      const more = candidates.length > taken.length || horizon !== undefined;
      return { keys, next: more ? keys.at(-1) : undefined };
    }
    if (!horizon) return { keys, next: undefined };
    position = horizon;
  }
  return { keys, next: position };
}
