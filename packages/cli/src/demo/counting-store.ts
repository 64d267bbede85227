import { performance } from 'node:perf_hooks';
import type {
  ByteStore,
  DeleteOptions,
  ListOptions,
  ListPage,
  SetOptions,
  StoreCapabilities,
  StoredEntry,
} from '@oauth-store/core';

/** The store operations a {@link CountingStore} counts, one per call (each is one round trip to a remote backend). */
export type CountedOperation = 'get' | 'getEntry' | 'set' | 'delete' | 'take' | 'list';

/** Calls per operation since the store was opened, and `ms`: the time callers spent waiting for them, summed. */
export type RoundTripCounts = Record<CountedOperation, number> & { ms: number };

/**
 * A pass-through {@link ByteStore} that counts every call made to the store below it. The demo wraps the backend
 * with it *under* the envelope wrapper, so what it counts is what reaches PostgreSQL (or Redis...): the round trips a
 * login costs, which the demo's table reports. It changes nothing else: values, options, errors and capabilities are
 * the inner store's.
 */
export class CountingStore implements ByteStore {
  readonly #inner: ByteStore;
  readonly #counts: RoundTripCounts = { get: 0, getEntry: 0, set: 0, delete: 0, take: 0, list: 0, ms: 0 };

  constructor(inner: ByteStore) {
    this.#inner = inner;
  }

  get capabilities(): StoreCapabilities {
    return this.#inner.capabilities;
  }

  /** A copy of the counts so far. */
  counts(): RoundTripCounts {
    return { ...this.#counts };
  }

  /** Counts the call and adds the time until it settles (failed calls included). */
  #timed<T>(operation: CountedOperation, call: () => Promise<T>): Promise<T> {
    this.#counts[operation] += 1;
    const started = performance.now();
    return call().finally(() => {
      this.#counts.ms += performance.now() - started;
    });
  }

  get(collection: string, key: string): Promise<Uint8Array | undefined> {
    return this.#timed('get', () => this.#inner.get(collection, key));
  }

  getEntry(collection: string, key: string): Promise<StoredEntry | undefined> {
    return this.#timed('getEntry', () => this.#inner.getEntry(collection, key));
  }

  set(collection: string, key: string, value: Uint8Array, options?: SetOptions): Promise<boolean> {
    return this.#timed('set', () => this.#inner.set(collection, key, value, options));
  }

  delete(collection: string, key: string, options?: DeleteOptions): Promise<boolean> {
    return this.#timed('delete', () => this.#inner.delete(collection, key, options));
  }

  take(collection: string, key: string): Promise<Uint8Array | undefined> {
    return this.#timed('take', () => this.#inner.take(collection, key));
  }

  list(collection: string, options?: ListOptions): Promise<ListPage> {
    return this.#timed('list', () => this.#inner.list(collection, options));
  }

  close(): Promise<void> {
    return this.#inner.close();
  }
}
