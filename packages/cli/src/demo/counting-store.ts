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

/** Calls per operation since the store was opened. */
export type RoundTripCounts = Record<CountedOperation, number>;

/**
 * A pass-through {@link ByteStore} that counts every call made to the store below it. The demo wraps the backend
 * with it *under* the envelope wrapper, so what it counts is what reaches PostgreSQL (or Redis...): the round trips a
 * login costs, which the demo's table reports. It changes nothing else: values, options, errors and capabilities are
 * the inner store's.
 */
export class CountingStore implements ByteStore {
  readonly #inner: ByteStore;
  readonly #counts: RoundTripCounts = { get: 0, getEntry: 0, set: 0, delete: 0, take: 0, list: 0 };

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

  /** Every counted call so far. */
  total(): number {
    return Object.values(this.#counts).reduce((sum, count) => sum + count, 0);
  }

  get(collection: string, key: string): Promise<Uint8Array | undefined> {
    this.#counts.get += 1;
    return this.#inner.get(collection, key);
  }

  getEntry(collection: string, key: string): Promise<StoredEntry | undefined> {
    this.#counts.getEntry += 1;
    return this.#inner.getEntry(collection, key);
  }

  set(collection: string, key: string, value: Uint8Array, options?: SetOptions): Promise<boolean> {
    this.#counts.set += 1;
    return this.#inner.set(collection, key, value, options);
  }

  delete(collection: string, key: string, options?: DeleteOptions): Promise<boolean> {
    this.#counts.delete += 1;
    return this.#inner.delete(collection, key, options);
  }

  take(collection: string, key: string): Promise<Uint8Array | undefined> {
    this.#counts.take += 1;
    return this.#inner.take(collection, key);
  }

  list(collection: string, options?: ListOptions): Promise<ListPage> {
    this.#counts.list += 1;
    return this.#inner.list(collection, options);
  }

  close(): Promise<void> {
    return this.#inner.close();
  }
}
