import type { ListPage, SetOptions, StoreCapabilities } from './contract';
import { DriverStore } from './driver-store';
import { expiresAtFor, isExpired } from './validation';

/** Options for {@link MemoryStore}. */
export interface MemoryStoreOptions {
  /** Maximum value size in bytes. Default 1 MiB. */
  maxValueBytes?: number;
  /** Clock, for tests. Default `Date.now`. */
  now?: () => number;
}

interface Entry {
  value: Uint8Array;
  expiresAt: number | undefined;
}

/**
 * An in-process store for tests and single-process development.
 *
 * It breaks on more than one instance: each process has its own memory, so a client registered on one instance is
 * unknown to the next ("Client Not Registered"). Use a shared backend (Redis, PostgreSQL, ...) in production.
 */
export class MemoryStore extends DriverStore {
  readonly #collections = new Map<string, Map<string, Entry>>();
  readonly #now: () => number;

  constructor(options: MemoryStoreOptions = {}) {
    super();
    this.#now = options.now ?? Date.now;
    const capabilities: StoreCapabilities = {
      name: 'memory',
      maxKeyBytes: 1024,
      maxCollectionBytes: 256,
      maxValueBytes: options.maxValueBytes ?? 1024 * 1024,
      nativeTtl: false,
      atomicTake: true,
    };
    this.useDriver({
      capabilities,
      get: async (collection, key) => {
        const entry = this.#live(collection, key);
        return entry ? entry.value.slice() : undefined;
      },
      set: async (collection, key, value, options: SetOptions) => {
        if (options.onlyIfAbsent && this.#live(collection, key)) return false;
        let entries = this.#collections.get(collection);
        if (!entries) {
          entries = new Map();
          this.#collections.set(collection, entries);
        }
        // Copy so later mutation of the caller's buffer cannot change what is stored.
        entries.set(key, { value: value.slice(), expiresAt: expiresAtFor(options.ttlMs, this.#now()) });
        return true;
      },
      delete: async (collection, key) => {
        const live = this.#live(collection, key);
        this.#collections.get(collection)?.delete(key);
        return live !== undefined;
      },
      // Atomic by construction: JavaScript runs this synchronous body to completion before any other caller.
      take: async (collection, key) => {
        const entry = this.#live(collection, key);
        if (!entry) return undefined;
        this.#collections.get(collection)?.delete(key);
        return entry.value;
      },
      list: async (collection, { cursor, limit }) => this.#page(collection, cursor, limit),
      close: async () => {
        this.#collections.clear();
      },
    });
  }

  /** Returns the live entry, deleting it first if it has expired. */
  #live(collection: string, key: string): Entry | undefined {
    const entries = this.#collections.get(collection);
    const entry = entries?.get(key);
    if (!entry) return undefined;
    if (isExpired(entry.expiresAt, this.#now())) {
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
    const now = this.#now();
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
