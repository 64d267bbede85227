import { createHash } from 'node:crypto';
import type { ByteStore, ListOptions, ListPage } from './contract';
import { InvalidValueError } from './errors';
import { isStorableKey } from './validation';
import { decodeRecord, encodeRecord } from './value-codec';

/** Options for one {@link TypedCollection}. */
export interface TypedCollectionOptions<T> {
  /** Backend collection name. */
  collection: string;
  /** TTL applied when a write names none. Undefined means entries never expire. */
  defaultTtlMs: number | undefined;
  /** Per-value TTL (for example from a token's own expiry); wins over `defaultTtlMs`, loses to an explicit `ttlMs`. */
  ttlFor?: (value: T) => number | undefined;
  /** Maps every key to the name stored in the backend (see {@link KeyHasher}). Default: keys are stored as given. */
  keyHasher?: KeyHasher;
}

/**
 * Maps a key that is (or derives from) a secret, such as an authorization code or a refresh token, to the name the
 * backend sees. Use a keyed hash (HMAC-SHA256 with a secret every instance shares) so that neither the backend nor its
 * logs hold usable codes and tokens; {@link sha256KeyHasher} is enough for high-entropy random keys only.
 */
export type KeyHasher = (key: string) => string;

/** Unkeyed SHA-256 (base64url): hides high-entropy random keys (codes, tokens); NOT enough for guessable inputs. */
export function sha256KeyHasher(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('base64url');
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

  /** The record, or undefined when absent or expired (or when `key` cannot name an entry: see `isStorableKey`). */
  async get(key: string): Promise<T | undefined> {
    if (!isStorableKey(this.#store.capabilities, key)) return undefined;
    const bytes = await this.#store.get(this.name, this.#key(key));
    return bytes ? (decodeRecord(bytes) as T) : undefined;
  }

  /** Writes the record (replacing any other). */
  async put(key: string, value: T, options: PutOptions = {}): Promise<void> {
    await this.#store.set(this.name, this.#key(key), encodeRecord(value), this.#ttl(value, options));
  }

  /** Writes only when no live record exists; resolves false otherwise. */
  async create(key: string, value: T, options: PutOptions = {}): Promise<boolean> {
    return this.#store.set(this.name, this.#key(key), encodeRecord(value), {
      ...this.#ttl(value, options),
      onlyIfAbsent: true,
    });
  }

  /** Atomically reads and deletes: of concurrent callers, exactly one receives the record. */
  async take(key: string): Promise<T | undefined> {
    if (!isStorableKey(this.#store.capabilities, key)) return undefined;
    const bytes = await this.#store.take(this.name, this.#key(key));
    return bytes ? (decodeRecord(bytes) as T) : undefined;
  }

  /** Deletes the record; true when a live one was deleted. */
  async delete(key: string): Promise<boolean> {
    if (!isStorableKey(this.#store.capabilities, key)) return false;
    return this.#store.delete(this.name, this.#key(key));
  }

  /** One page of keys (as stored: hashed when the collection has a `keyHasher`). */
  list(options?: ListOptions): Promise<ListPage> {
    return this.#store.list(this.name, options);
  }

  #key(key: string): string {
    return this.#options.keyHasher ? this.#options.keyHasher(key) : key;
  }

  #ttl(value: T, options: PutOptions): { ttlMs?: number } {
    if (options === null || typeof options !== 'object') {
      throw new InvalidValueError('put options must be an object such as { ttlMs: 60000 }.', { source: this.name });
    }
    if (options.ttlMs !== undefined && (typeof options.ttlMs !== 'number' || !Number.isFinite(options.ttlMs))) {
      throw new InvalidValueError(
        `ttlMs must be a number of milliseconds, got ${typeof options.ttlMs === 'number' ? String(options.ttlMs) : `a ${typeof options.ttlMs}`}.`,
        { source: this.name },
      );
    }
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
