/**
 * When to sweep a bucket's key index, and where the sweep goes on.
 *
 * `take` and `delete` leave the key's member in the key index (removing it would cost a script or a second command on
 * every call); `list` removes the members it finds dead, but a collection of authorization codes is written and taken
 * and never listed. So every {@link SWEEP_EVERY}th unconditional write to a bucket (counted per process) also sends,
 * pipelined with the write, the sweep script (lua-scripts.ts), which checks the next {@link SWEEP_BATCH} members of
 * the bucket's index, from a cursor kept here, and removes those whose entry is gone.
 *
 * Why that bounds the index: every write adds at most one member, and each sweep examines `SWEEP_BATCH /
 * SWEEP_EVERY` = 2 members per write. A full pass over an index of `n` members takes `n / SWEEP_BATCH` sweeps, that
 * is `n / 2` writes, which add at most `n / 2` members; every member dead at the start of the pass is gone at its end.
 * So dead members stay below about the number of live ones plus `SWEEP_EVERY + SWEEP_BATCH` per bucket, however many
 * codes are written and taken (`test/store.test.ts` checks it after many set-and-take cycles without `list`).
 *
 * Each process starts a bucket's countdown at a random point and its first sweep at a random member: short-lived
 * processes (serverless) that write a bucket fewer than `SWEEP_EVERY` times still sweep their share, and do not all
 * start at the first member.
 */

/** Unconditional writes to a bucket between two sweeps of it, per process. */
export const SWEEP_EVERY = 16;
/** Members one sweep examines. */
export const SWEEP_BATCH = 32;
/** Buckets whose sweep state is kept; past this the state starts over (collection names are caller-chosen). */
const STATE_LIMIT = 4096;

interface SweepState {
  /** Writes to go before the next sweep. */
  countdown: number;
  /** Where the next sweep starts, as the script takes it: '' = a random member, '-' = the first, '(' + member = after. */
  start: string | Buffer;
}

/** Per-process sweep bookkeeping for every bucket this process writes to. */
export class IndexSweep {
  readonly #states = new Map<string, SweepState>();
  readonly #every: number;

  constructor(every = SWEEP_EVERY) {
    this.#every = every;
  }

  /**
   * Counts one write to the bucket whose key index is `index`; returns where to start sweeping it when a sweep is due
   * with this write, else undefined.
   */
  due(index: string): string | Buffer | undefined {
    let state = this.#states.get(index);
    if (!state) {
      if (this.#states.size >= STATE_LIMIT) this.#states.clear();
      state = { countdown: 1 + Math.floor(Math.random() * this.#every), start: '' };
      this.#states.set(index, state);
    }
    if (--state.countdown > 0) return undefined;
    state.countdown = this.#every;
    return state.start;
  }

  /** Records where the bucket's next sweep starts (what the sweep script returned). */
  advance(index: string, next: unknown): void {
    const state = this.#states.get(index);
    if (state && (typeof next === 'string' || Buffer.isBuffer(next))) state.start = next;
  }
}
