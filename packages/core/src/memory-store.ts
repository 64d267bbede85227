import type { ListPage, StoreCapabilities } from './contract';
import { FRAME_HEADER_BYTES, FRAME_VERSION_OFFSET, sameVersion } from './record-frame';
import {
  type DriverRecord,
  type OperationContext,
  RuntimeStore,
  type StoreDriver,
  type WriteCondition,
} from './runtime';
import { isExpired } from './validation';

/** Options for {@link MemoryStore}. */
export interface MemoryStoreOptions {
  /** Maximum value size in bytes. Default 1 MiB. */
  maxValueBytes?: number;
  /** Clock, for tests. Default `Date.now`. */
  now?: () => number;
}

interface Entry {
  /** The framed record (header + value), owned by the store. */
  frame: Uint8Array;
  expiresAt: number | undefined;
}

/**
 * An in-process store for tests and single-process development.
 *
 * It breaks on more than one instance: each process has its own memory, so a client registered on one instance is
 * unknown to the next ("Client Not Registered"). Use a shared backend (Redis, PostgreSQL, ...) in production.
 */
export class MemoryStore extends RuntimeStore {
  constructor(options: MemoryStoreOptions = {}) {
    super(new MemoryDriver(options));
  }
}

/** The driver behind {@link MemoryStore}: every operation is one synchronous step, so each is atomic. */
class MemoryDriver implements StoreDriver {
  readonly capabilities: StoreCapabilities;
  // Memory answers at once; the deadline only bounds a stalled event loop.
  readonly timeoutMs = 60_000;
  readonly now: () => number;
  readonly #collections = new Map<string, Map<string, Entry>>();

  constructor(options: MemoryStoreOptions) {
    this.now = options.now ?? Date.now;
    this.capabilities = {
      name: 'memory',
      maxKeyBytes: 1024,
      maxCollectionBytes: 256,
      maxValueBytes: options.maxValueBytes ?? 1024 * 1024,
      nativeTtl: false,
      atomicTake: true,
      compareAndSet: true,
    };
  }

  async read(collection: string, key: string): Promise<Uint8Array | undefined> {
    return this.#live(collection, key)?.frame;
  }

  async write(
    collection: string,
    key: string,
    record: DriverRecord,
    condition: WriteCondition,
    _context: OperationContext,
  ): Promise<boolean> {
    if (!this.#holds(collection, key, condition)) return false;
    let entries = this.#collections.get(collection);
    if (!entries) {
      entries = new Map();
      this.#collections.set(collection, entries);
    }
    // The runtime built these bytes for this call alone, so they can be kept without a copy.
    entries.set(key, { frame: record.bytes, expiresAt: record.expiresAt });
    return true;
  }

  async remove(
    collection: string,
    key: string,
    condition: Exclude<WriteCondition, { kind: 'absent' }>,
  ): Promise<boolean> {
    if (!this.#live(collection, key)) return false;
    if (!this.#holds(collection, key, condition)) return false;
    this.#collections.get(collection)?.delete(key);
    return true;
  }

  // Atomic by construction: JavaScript runs this synchronous body to completion before any other caller.
  async take(collection: string, key: string): Promise<Uint8Array | undefined> {
    const entry = this.#live(collection, key);
    if (!entry) return undefined;
    this.#collections.get(collection)?.delete(key);
    return entry.frame;
  }

  async list(collection: string, page: { cursor: string | undefined; limit: number }): Promise<ListPage> {
    return this.#page(collection, page.cursor, page.limit);
  }

  async close(): Promise<void> {
    this.#collections.clear();
  }

  #holds(collection: string, key: string, condition: WriteCondition): boolean {
    if (condition.kind === 'none') return true;
    const live = this.#live(collection, key);
    if (condition.kind === 'absent') return live === undefined;
    return (
      live !== undefined &&
      sameVersion(live.frame.subarray(FRAME_VERSION_OFFSET, FRAME_HEADER_BYTES), condition.versionBytes)
    );
  }

  /** Returns the live entry, deleting it first if it has expired. */
  #live(collection: string, key: string): Entry | undefined {
    const entries = this.#collections.get(collection);
    const entry = entries?.get(key);
    if (!entry) return undefined;
    if (isExpired(entry.expiresAt, this.now())) {
      entries?.delete(key);
      return undefined;
    }
    return entry;
  }

  // Keyset pagination over the sorted key order: the cursor is the last key returned, so keys added or deleted
  // between pages never shift the position of the others (nothing lost, nothing repeated).
  #page(collection: string, cursor: string | undefined, limit: number): ListPage {
    const entries = this.#collections.get(collection);
    if (!entries) return { keys: [] };
    const after = cursor === undefined ? undefined : Buffer.from(cursor, 'base64url').toString('utf8');
    const now = this.now();
    const candidates: string[] = [];
    for (const [key, entry] of entries) {
      if (isExpired(entry.expiresAt, now)) {
        entries.delete(key);
      } else if (after === undefined || compareKeys(key, after) > 0) {
        candidates.push(key);
      }
    }
    candidates.sort(compareKeys);
    const keys = candidates.slice(0, limit);
    const last = keys.at(-1);
    return candidates.length > limit && last !== undefined
      ? { keys, cursor: Buffer.from(last, 'utf8').toString('base64url') }
      : { keys };
  }
}

/** Orders keys by their UTF-8 bytes, the order byte-oriented backends (PostgreSQL `bytea`, Redis) use. */
function compareKeys(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}
