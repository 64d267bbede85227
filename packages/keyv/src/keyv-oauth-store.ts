import { EventEmitter } from 'node:events';
import { type ByteStore, ConfigurationError, InvalidValueError, utf8Length } from '@oauth-store/core';
import { decodeAdapterValue, encodeAdapterValue } from './adapter-values';

/** Options of {@link KeyvOAuthStore}; `V` is the Keyv major it serves. */
export interface KeyvOAuthStoreOptions<V extends 5 | 6 = 5 | 6> {
  /** The store collection holding this Keyv's entries (every namespace of it). Default `keyv`. */
  collection?: string;
  /**
   * Which Keyv major drives the adapter. Default 6.
   *
   * - `6`: declares `capabilities.expires`, so Keyv 6 uses it directly and passes an ABSOLUTE expiry (epoch ms) to
   *   `set`; Keyv 6 passes keys without the namespace, which the adapter prepends (`<namespace>:<key>`).
   * - `5`: the Keyv 5 contract: `set(key, value, ttl)` with a RELATIVE ttl in ms, keys already prefixed by Keyv
   *   (`<namespace>:<key>`), `deleteMany` resolving one boolean. Keyv 6 also accepts such an adapter (it wraps it in
   *   its `KeyvBridgeAdapter`, converting expiries to ttls), so `5` is the mode that works under both.
   *
   * In mode 6, a `set` whose third argument is below 10^11 (a date before 1973, so surely a relative ttl from
   * Keyv 5) is refused with a `ConfigurationError` rather than storing an already-expired entry.
   */
  keyvVersion?: V;
  /** Initial namespace; Keyv overwrites it with its own. */
  namespace?: string;
  /** Close the store when Keyv's `disconnect()` is called. Default false: the store may be shared. */
  closeStoreOnDisconnect?: boolean;
}

const METHODS = [
  'get',
  'getMany',
  'has',
  'hasMany',
  'set',
  'setMany',
  'delete',
  'deleteMany',
  'clear',
  'disconnect',
  'iterator',
] as const;

/** Keyv 6's storage capability descriptor, declared here so the adapter needs no import from `keyv`. */
export interface KeyvOAuthStoreCapability {
  compatible: boolean;
  store: 'keyvStorage';
  methods: Record<(typeof METHODS)[number], { exists: boolean; methodType: 'async' }>;
  expires: true;
}

/**
 * What `get` returns, in Keyv 6's terms: Keyv's serialized string, or (with `serialization: false`) the
 * `{ value, expires }` object Keyv stored.
 */
export type KeyvOAuthStoreValue<Value = unknown> = { value?: Value; expires?: number | undefined } | string | undefined;

const SOURCE = 'keyv';
/** Keyv 6's expiries are epoch milliseconds; anything smaller than this is a relative ttl from Keyv 5. */
const EPOCH_FLOOR_MS = 1e11;
const LIST_PAGE = 1000;

/**
 * oauth-store as a Keyv storage adapter: `new Keyv({ store: new KeyvOAuthStore(store, { collection }) })` keeps
 * Keyv's entries in any oauth-store backend (optionally envelope-encrypted), one collection per adapter, Keyv
 * namespaces as key prefixes. Works with Keyv 6 (default, native expiry contract) and Keyv 5 (`keyvVersion: 5`).
 *
 * Expiry is the store's: an entry is never returned after its deadline.
 */
export class KeyvOAuthStore<V extends 5 | 6 = 6> extends EventEmitter {
  /** Keyv 5 reads `opts` (its `dialect` decides whether Keyv 5 offers `iterator()`: the backend's name). */
  readonly opts: { dialect: string; url: string; collection: string; [option: string]: unknown };
  /** Set by Keyv; entries of a namespace are stored as `<namespace>:<key>`. */
  namespace: string | undefined;
  readonly #store: ByteStore;
  readonly #collection: string;
  readonly #version: 5 | 6;
  readonly #closeOnDisconnect: boolean;

  constructor(store: ByteStore, options: KeyvOAuthStoreOptions<V> = {}) {
    super();
    if (!store || typeof store.get !== 'function' || !store.capabilities) {
      throw new ConfigurationError('KeyvOAuthStore needs an oauth-store ByteStore as its first argument.', {
        source: SOURCE,
      });
    }
    const collection = options.collection ?? 'keyv';
    if (typeof collection !== 'string' || collection.length === 0) {
      throw new ConfigurationError('collection must be a non-empty string.', { source: SOURCE });
    }
    if (utf8Length(collection) > store.capabilities.maxCollectionBytes) {
      throw new ConfigurationError(
        `the collection name is ${utf8Length(collection)} bytes; this store accepts ${store.capabilities.maxCollectionBytes}.`,
        { source: SOURCE },
      );
    }
    const version = options.keyvVersion ?? 6;
    if (version !== 5 && version !== 6) {
      throw new ConfigurationError('keyvVersion must be 5 or 6.', { source: SOURCE });
    }
    this.#store = store;
    this.#collection = collection;
    this.#version = version;
    this.#closeOnDisconnect = options.closeStoreOnDisconnect ?? false;
    this.namespace = options.namespace;
    this.opts = { dialect: store.capabilities.name, url: '', collection };
  }

  /**
   * Keyv 6 uses an adapter directly (no bridge) when this declares `expires: true`; in mode 5 there is none, so
   * Keyv 6 bridges it and Keyv 5 ignores it.
   */
  get capabilities(): KeyvOAuthStoreCapability | undefined {
    if (this.#version !== 6) return undefined;
    return {
      compatible: true,
      store: 'keyvStorage',
      methods: Object.fromEntries(
        METHODS.map((name) => [name, { exists: true, methodType: 'async' as const }]),
      ) as KeyvOAuthStoreCapability['methods'],
      expires: true,
    };
  }

  /** The stored value, or undefined. */
  async get<Value = unknown>(key: string): Promise<KeyvOAuthStoreValue<Value>> {
    const bytes = await this.#store.get(this.#collection, this.#key(key));
    return bytes ? (decodeAdapterValue(bytes) as KeyvOAuthStoreValue<Value>) : undefined;
  }

  /** The stored values, in order (undefined where absent). */
  getMany<Value = unknown>(keys: string[]): Promise<Array<KeyvOAuthStoreValue<Value>>> {
    return Promise.all(keys.map((key) => this.get<Value>(key)));
  }

  /** Whether a live entry exists. */
  async has(key: string): Promise<boolean> {
    return (await this.#store.get(this.#collection, this.#key(key))) !== undefined;
  }

  /** {@link has} for each key. */
  hasMany(keys: string[]): Promise<boolean[]> {
    return Promise.all(keys.map((key) => this.has(key)));
  }

  /**
   * Stores the value. The third argument is an absolute expiry in epoch ms (mode 6) or a relative ttl in ms
   * (mode 5); absent means no expiry. An expiry already past deletes the entry.
   */
  async set(key: string, value: unknown, expiresOrTtl?: number): Promise<boolean> {
    const ttlMs = this.#ttlMs(expiresOrTtl);
    const storeKey = this.#key(key);
    if (ttlMs === 0) {
      await this.#store.delete(this.#collection, storeKey);
      return true;
    }
    await this.#store.set(this.#collection, storeKey, encodeAdapterValue(value), ttlMs === undefined ? {} : { ttlMs });
    return true;
  }

  /** Stores several entries: `{ key, value, expires }` (mode 6) or `{ key, value, ttl }` (mode 5). */
  setMany(entries: Array<{ key: string; value: unknown; expires?: number; ttl?: number }>): Promise<boolean[]> {
    return Promise.all(
      entries.map((entry) => this.set(entry.key, entry.value, this.#version === 6 ? entry.expires : entry.ttl)),
    );
  }

  /** Deletes the entry; true when a live one was deleted. */
  delete(key: string): Promise<boolean> {
    return this.#store.delete(this.#collection, this.#key(key));
  }

  /** Deletes several: one boolean per key (mode 6), or whether all were deleted (mode 5, as Keyv 5 expects). */
  async deleteMany(keys: string[]): Promise<V extends 6 ? boolean[] : boolean> {
    const results = await Promise.all(keys.map((key) => this.delete(key)));
    return (this.#version === 6 ? results : results.every(Boolean)) as V extends 6 ? boolean[] : boolean;
  }

  /** Deletes every entry of the current namespace, or of the whole collection when there is none. */
  async clear(): Promise<void> {
    const prefix = this.namespace ? `${this.namespace}:` : '';
    let cursor: string | undefined;
    do {
      const page = await this.#store.list(this.#collection, { limit: LIST_PAGE, ...(cursor ? { cursor } : {}) });
      await Promise.all(
        page.keys.filter((key) => key.startsWith(prefix)).map((key) => this.#store.delete(this.#collection, key)),
      );
      cursor = page.cursor;
    } while (cursor);
  }

  /**
   * Every live `[key, value]` of the namespace (Keyv 6 passes none and expects keys without it; Keyv 5 passes its
   * namespace and expects the stored, prefixed keys).
   */
  async *iterator<Value = unknown>(namespace?: string): AsyncGenerator<[string, Value], void> {
    const ns = this.#version === 6 ? this.namespace : (namespace ?? this.namespace);
    const prefix = ns ? `${ns}:` : '';
    let cursor: string | undefined;
    do {
      const page = await this.#store.list(this.#collection, { limit: LIST_PAGE, ...(cursor ? { cursor } : {}) });
      for (const key of page.keys) {
        if (!key.startsWith(prefix)) continue;
        const bytes = await this.#store.get(this.#collection, key);
        if (!bytes) continue;
        yield [this.#version === 6 ? key.slice(prefix.length) : key, decodeAdapterValue(bytes) as Value];
      }
      cursor = page.cursor;
    } while (cursor);
  }

  /** Node's listeners(), typed as Keyv's event-emitter interface expects. */
  override listeners(eventName: string | symbol): Array<(...args: unknown[]) => void> {
    return super.listeners(eventName) as Array<(...args: unknown[]) => void>;
  }

  /** Node's rawListeners(), typed as Keyv's event-emitter interface expects. */
  override rawListeners(eventName: string | symbol): Array<(...args: unknown[]) => void> {
    return super.rawListeners(eventName) as Array<(...args: unknown[]) => void>;
  }

  /** Closes the store only with `closeStoreOnDisconnect`. */
  async disconnect(): Promise<void> {
    if (this.#closeOnDisconnect) await this.#store.close();
  }

  /** Keyv 6 passes bare keys and leaves the namespace to the adapter; Keyv 5 prefixes keys itself. */
  #key(key: string): string {
    if (typeof key !== 'string') {
      throw new InvalidValueError(`keys must be strings, got ${typeof key}.`, { source: SOURCE });
    }
    return this.#version === 6 && this.namespace ? `${this.namespace}:${key}` : key;
  }

  /** Undefined: no expiry; 0: already expired; else a positive ttl in ms. */
  #ttlMs(expiresOrTtl: number | undefined): number | undefined {
    if (typeof expiresOrTtl !== 'number' || !Number.isFinite(expiresOrTtl)) return undefined;
    if (this.#version === 5) return expiresOrTtl > 0 ? Math.ceil(expiresOrTtl) : undefined;
    if (expiresOrTtl < EPOCH_FLOOR_MS) {
      throw new ConfigurationError(
        'set received a relative ttl, but this adapter is in Keyv 6 mode (absolute expiries). With Keyv 5, construct it with keyvVersion: 5.',
        { source: SOURCE },
      );
    }
    return Math.max(0, Math.ceil(expiresOrTtl - Date.now()));
  }
}
