import type { ByteStore, ListOptions, ListPage } from './contract';
import { InvalidValueError } from './errors';
import { decodeRecord, encodeRecord } from './value-codec';

/** Options for one {@link TypedCollection}. */
export interface TypedCollectionOptions<T> {
  /** Backend collection name. */
  collection: string;
  /** TTL applied when a write names none. Undefined means entries never expire. */
  defaultTtlMs: number | undefined;
  /** Per-value TTL (for example from a token's own expiry); wins over `defaultTtlMs`, loses to an explicit `ttlMs`. */
  ttlFor?: (value: T) => number | undefined;
}

/** Per-write options of a {@link TypedCollection}. */
export interface PutOptions {
  /** Overrides the collection's default TTL for this entry. */
  ttlMs?: number;
}

/**
 * A collection of records of one type on a {@link ByteStore}: values are encoded as JSON that round-trips `Date` and
 * `URL`, and every write gets a TTL unless the collection is meant to keep entries.
 */
export class TypedCollection<T> {
  /** Backend collection name. */
  readonly name: string;
  readonly #store: ByteStore;
  readonly #options: TypedCollectionOptions<T>;

  constructor(store: ByteStore, options: TypedCollectionOptions<T>) {
    this.#store = store;
    this.#options = options;
    this.name = options.collection;
  }

  /** The record, or undefined when absent or expired. */
  async get(key: string): Promise<T | undefined> {
    const bytes = await this.#store.get(this.name, key);
    return bytes ? (decodeRecord(bytes) as T) : undefined;
  }

  /** Writes the record (replacing any other). */
  async put(key: string, value: T, options: PutOptions = {}): Promise<void> {
    await this.#store.set(this.name, key, encodeRecord(value), this.#ttl(value, options));
  }

  /** Writes only when no live record exists; resolves false otherwise. */
  create(key: string, value: T, options: PutOptions = {}): Promise<boolean> {
    return this.#store.set(this.name, key, encodeRecord(value), { ...this.#ttl(value, options), onlyIfAbsent: true });
  }

  /** Atomically reads and deletes: of concurrent callers, exactly one receives the record. */
  async take(key: string): Promise<T | undefined> {
    const bytes = await this.#store.take(this.name, key);
    return bytes ? (decodeRecord(bytes) as T) : undefined;
  }

  /** Deletes the record; true when a live one was deleted. */
  delete(key: string): Promise<boolean> {
    return this.#store.delete(this.name, key);
  }

  /** One page of keys. */
  list(options?: ListOptions): Promise<ListPage> {
    return this.#store.list(this.name, options);
  }

  #ttl(value: T, options: PutOptions): { ttlMs?: number } {
    const ttlMs = options.ttlMs ?? this.#options.ttlFor?.(value) ?? this.#options.defaultTtlMs;
    if (ttlMs === undefined) return {};
    if (!(ttlMs > 0)) {
      throw new InvalidValueError(`the record's TTL is ${ttlMs} ms; it has already expired. Do not store it.`, {
        source: this.name,
      });
    }
    return { ttlMs: Math.ceil(ttlMs) };
  }
}
