import { randomBytes } from 'node:crypto';
import { type ByteStore, ConflictError, InvalidValueError } from '@oauth-store/core';
import { decodeEntry, type Entry, encodeEntry } from './entry';
import type { ResolvedSecondaryStorageOptions } from './options';

const EMPTY = new Uint8Array(0);
const encoder = new TextEncoder();
const decoder = new TextDecoder();
/**
 * Slots and heads outlive their window by this much. A window's slots are unreachable once its anchor is gone, so
 * they only need to last at least as long as the anchor; the slack covers clock differences between instances on
 * backends that expire by the application's clock (PostgreSQL).
 */
const SLOT_SLACK_MS = 60_000;
/** Re-read the head after this many lost claims in a row, to skip what other callers claimed meanwhile. */
const HEAD_REFRESH_EVERY = 4;

type Counter = Extract<Entry, { kind: 'counter' }>;

/**
 * An atomic, cross-process counter built only on the store contract's conditional create (`onlyIfAbsent`, which
 * exactly one concurrent caller wins), with no lock and therefore nothing to release or to go stale.
 *
 * A counter is an *anchor* entry under the caller's key, created once (conditionally) with the counter's TTL and
 * naming a random *window* id, plus one *slot* entry per increment: `<window>:<n>` in the slots collection. An
 * increment claims the lowest free slot number by conditional create; the number it claims is its result. Each
 * slot is claimed by exactly one caller, so no two increments return the same count and none is lost; a caller only
 * tries slot n after seeing slot n-1 taken (or after reading n-1 from the head hint, which only ever names a claimed
 * slot), so the claimed slots are always 1..N with no gap, and the count is N. A *head* entry per window remembers a
 * recently claimed number so callers start near the top instead of at 1; it is only a hint, and may lag.
 *
 * A process that dies at any point leaves nothing to clean up: an anchor without slots reads as 0 and the next
 * increment claims 1; a slot claimed but not answered counts (the increment happened; its caller never heard); a
 * missing or stale head only costs extra attempts.
 *
 * TTL on create only: the anchor gets the TTL and is never rewritten, so the counter vanishes a fixed time after its
 * first increment; the next increment then creates a new window (a new id), and the old window's slots, no longer
 * reachable, expire on their own.
 */
export class SlotCounter {
  readonly #store: ByteStore;
  readonly #options: ResolvedSecondaryStorageOptions;

  constructor(store: ByteStore, options: ResolvedSecondaryStorageOptions) {
    this.#store = store;
    this.#options = options;
  }

  /** Adds one to the counter at `key` (creating it with `ttlMs` if absent) and returns the new count. */
  async increment(key: string, ttlMs: number | undefined): Promise<number> {
    const counter = await this.#anchor(key, ttlMs);
    const slotTtl = counter.slotTtlMs === undefined ? {} : { ttlMs: counter.slotTtlMs };
    let n = await this.#head(counter.window);
    for (let attempt = 1; attempt <= this.#options.maxIncrementAttempts; attempt += 1) {
      n += 1;
      const claimed = await this.#store.set(this.#options.slots, slotKey(counter.window, n), EMPTY, {
        ...slotTtl,
        onlyIfAbsent: true,
      });
      if (claimed) {
        // Only ever a claimed number: the hint never points past a gap.
        await this.#store.set(this.#options.heads, counter.window, encoder.encode(String(n)), slotTtl);
        return n;
      }
      if (attempt % HEAD_REFRESH_EVERY === 0) n = Math.max(n, await this.#head(counter.window));
    }
    throw new ConflictError(
      `increment gave up after ${this.#options.maxIncrementAttempts} attempts under contention. Raise maxIncrementAttempts, or spread the load over more keys.`,
      { source: 'better-auth' },
    );
  }

  /** The current count of a window: the head hint, then the claimed slots above it. */
  async count(window: string): Promise<number> {
    let n = await this.#head(window);
    while (await this.#store.get(this.#options.slots, slotKey(window, n + 1))) n += 1;
    return n;
  }

  /** The counter anchored at `key`, created (once, whoever wins) when absent. */
  async #anchor(key: string, ttlMs: number | undefined): Promise<Counter> {
    // Each round either finds an anchor or loses the create to a caller who just made one (then found next round);
    // only an anchor deleted or expiring again and again in between could keep this going.
    for (let round = 0; round < 100; round += 1) {
      const bytes = await this.#store.get(this.#options.collection, key);
      if (bytes) {
        const entry = decodeEntry(bytes);
        if (entry.kind !== 'counter') {
          throw new InvalidValueError(
            'increment was called on a key that holds a value written by set(); use another key for the counter.',
            { source: 'better-auth' },
          );
        }
        return entry;
      }
      const created: Counter = {
        kind: 'counter',
        window: randomBytes(16).toString('base64url'),
        ...(ttlMs === undefined ? {} : { slotTtlMs: ttlMs + SLOT_SLACK_MS }),
      };
      const won = await this.#store.set(this.#options.collection, key, encodeEntry(created), {
        ...(ttlMs === undefined ? {} : { ttlMs }),
        onlyIfAbsent: true,
      });
      if (won) return created;
    }
    throw new ConflictError('increment could not create or read the counter (it kept disappearing).', {
      source: 'better-auth',
    });
  }

  async #head(window: string): Promise<number> {
    const bytes = await this.#store.get(this.#options.heads, window);
    const n = bytes ? Number(decoder.decode(bytes)) : 0;
    return Number.isSafeInteger(n) && n > 0 ? n : 0;
  }
}

function slotKey(window: string, n: number): string {
  return `${window}:${n}`;
}
