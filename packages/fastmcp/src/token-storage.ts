import {
  type ByteStore,
  ConfigurationError,
  decodeRecord,
  encodeRecord,
  InvalidKeyError,
  InvalidValueError,
  isStorableKey,
} from '@oauth-store/core';
import { CLIENT_KEY_PREFIX, type DocumentClientResolver, isDocumentRefusal, toFastMcpClient } from './cimd-clients';
import { addressOf, checkCollectionPrefix, type StoreAddress } from './key-mapping';
import type { FastMcpTokenStorage } from './token-storage-interface';

/** Options of {@link createTokenStorage}. */
export interface TokenStorageOptions {
  /** Prefix of every collection name (`<prefix>client`, `<prefix>code`, ...). Default `fastmcp-`. */
  collectionPrefix?: string;
  /**
   * Accept a store whose `take` is not atomic (`capabilities.atomicTake === false`, such as a Keyv-backed store).
   * fastmcp consumes authorization codes, transactions and refresh-token mappings with `take`; without atomicity two
   * instances can redeem the same code. Default false: such a store is refused.
   */
  allowNonAtomicTake?: boolean;
  /**
   * Client ID Metadata Documents through the shared store: a `CimdClientResolver` from `@oauth-store/cimd`. fastmcp's
   * OAuthProxy looks clients up as `client:<client_id>`; for a document URL this storage answers with the document the
   * resolver fetched (once per fleet, SSRF-checked, validated, cached per HTTP cache headers) in fastmcp's client
   * shape, and `null` when the document is refused. Run the proxy with `enableCimd: false`, so it never fetches
   * documents itself (per process, with its own rules), and advertise CIMD in the metadata yourself (see the README).
   */
  cimd?: DocumentClientResolver;
  /**
   * How long fastmcp's per-process client map keeps a resolved document before asking this storage again, in seconds.
   * Default 60. The shared cache decides when the document is refetched; this only bounds how stale one process can be.
   */
  cimdLocalCacheSeconds?: number;
}

const SOURCE = 'fastmcp';

/**
 * fastmcp's `TokenStorage` on any oauth-store {@link ByteStore}, with an atomic `take`. Pass it as `tokenStorage` to
 * `OAuthProxy` (or an `AuthProvider`) on every instance, with `encryptionKey: false` when the store is wrapped with
 * `@oauth-store/envelope` (otherwise fastmcp encrypts again, with a random per-instance key unless you give one).
 *
 * Values are encoded with core's record codec, so `Date`s come back as `Date`s (JSON plus Date and URL; anything else
 * is an {@link InvalidValueError}). Keys are split at the first ':' into a collection per prefix (see
 * {@link addressOf}).
 */
export class StoreTokenStorage implements FastMcpTokenStorage {
  readonly #store: ByteStore;
  readonly #prefix: string;
  readonly #cimd: DocumentClientResolver | undefined;
  readonly #cimdLocalCacheMs: number;

  constructor(store: ByteStore, options: TokenStorageOptions = {}) {
    if (!store || typeof store.take !== 'function' || !store.capabilities) {
      throw new ConfigurationError('createTokenStorage needs an oauth-store ByteStore (Redis, PostgreSQL, ...).', {
        source: SOURCE,
      });
    }
    if (!store.capabilities.atomicTake && !options.allowNonAtomicTake) {
      throw new ConfigurationError(
        `the "${store.capabilities.name}" store cannot take an entry atomically, so two fastmcp instances could redeem one authorization code. Use a store with atomic take (Redis, PostgreSQL, DynamoDB, Firestore, Cloud Storage), or pass allowNonAtomicTake: true to accept the risk.`,
        { source: SOURCE },
      );
    }
    this.#store = store;
    this.#prefix = checkCollectionPrefix(options.collectionPrefix ?? 'fastmcp-');
    if (options.cimd !== undefined && typeof options.cimd?.resolveDocument !== 'function') {
      throw new ConfigurationError('`cimd` must be a CimdClientResolver from @oauth-store/cimd.', { source: SOURCE });
    }
    this.#cimd = options.cimd;
    const localSeconds = options.cimdLocalCacheSeconds ?? 60;
    if (!(typeof localSeconds === 'number' && Number.isFinite(localSeconds) && localSeconds > 0)) {
      throw new ConfigurationError('`cimdLocalCacheSeconds` must be a positive number of seconds.', { source: SOURCE });
    }
    this.#cimdLocalCacheMs = Math.ceil(localSeconds * 1000);
  }

  /** The metadata-document client_id behind a storage key, when CIMD is on and the key names one. */
  #documentClientId(key: string): string | undefined {
    if (!this.#cimd || typeof key !== 'string' || !key.startsWith(CLIENT_KEY_PREFIX)) return undefined;
    const clientId = key.slice(CLIENT_KEY_PREFIX.length);
    return this.#cimd.isDocumentClientId(clientId) ? clientId : undefined;
  }

  /** Where `key` is stored: its collection and key in the ByteStore. */
  addressOf(key: string): StoreAddress {
    if (typeof key !== 'string') {
      throw new InvalidKeyError('fastmcp storage keys must be strings.', { source: SOURCE });
    }
    return addressOf(this.#prefix, key);
  }

  /**
   * Where `key` would be stored, or undefined when no entry can be there (not a string, or a key the store cannot
   * hold: too long, a lone surrogate). fastmcp builds keys from request values (`client:<client_id>`, codes, state),
   * so reads and deletes treat such a key as unknown (fastmcp then answers invalid_client / invalid_grant, not 500).
   */
  #lookupAddress(key: unknown): StoreAddress | undefined {
    if (typeof key !== 'string') return undefined;
    const address = addressOf(this.#prefix, key);
    return isStorableKey(this.#store.capabilities, address.key) ? address : undefined;
  }

  /**
   * Does nothing, on purpose. The store contract never returns an expired entry (every read checks expiry), and the
   * space is reclaimed by the backend: natively (Redis, DynamoDB, Firestore TTL) or by the adapter's own sweeper or
   * lifecycle rule (PostgreSQL, Cloud Storage). fastmcp calls this every minute on every instance; a scan here would
   * multiply with the number of instances and find nothing to do.
   */
  async cleanup(): Promise<void> {}

  /** Deletes the value. */
  async delete(key: string): Promise<void> {
    const address = this.#lookupAddress(key);
    if (!address) return;
    await this.#store.delete(address.collection, address.key);
  }

  /** The value (with its `Date`s), or null when absent or expired. */
  async get(key: string): Promise<unknown> {
    const documentId = this.#documentClientId(key);
    if (documentId !== undefined && this.#cimd) {
      try {
        return toFastMcpClient(await this.#cimd.resolveDocument(documentId), this.#cimdLocalCacheMs, Date.now());
      } catch (error) {
        // A refused document is an unknown client to fastmcp (it answers invalid_client); store failures propagate.
        if (isDocumentRefusal(error)) return null;
        throw error;
      }
    }
    const address = this.#lookupAddress(key);
    if (!address) return null;
    const bytes = await this.#store.get(address.collection, address.key);
    return bytes ? decodeRecord(bytes) : null;
  }

  /**
   * Saves the value. `ttl` is in seconds, as fastmcp passes it; absent or 0 means no expiry (as in fastmcp's own
   * `MemoryTokenStorage` and `DiskStore`); fractions round up to the next millisecond.
   */
  async save(key: string, value: unknown, ttl?: number): Promise<void> {
    // A document client's copy is owned by the resolver's shared cache; fastmcp's write-back of it is not kept.
    if (this.#documentClientId(key) !== undefined) return;
    const address = this.addressOf(key);
    if (ttl !== undefined && !(typeof ttl === 'number' && Number.isFinite(ttl) && ttl >= 0)) {
      throw new InvalidValueError('the TTL must be a finite, non-negative number of seconds.', { source: SOURCE });
    }
    const bytes = encodeRecord(value);
    await this.#store.set(address.collection, address.key, bytes, ttl ? { ttlMs: Math.ceil(ttl * 1000) } : {});
  }

  /** Atomically reads and deletes: of any number of callers on any number of instances, one gets the value. */
  async take(key: string): Promise<unknown> {
    const address = this.#lookupAddress(key);
    if (!address) return null;
    const bytes = await this.#store.take(address.collection, address.key);
    return bytes ? decodeRecord(bytes) : null;
  }
}

/** A fastmcp `TokenStorage` on `store`; see {@link StoreTokenStorage}. */
export function createTokenStorage(store: ByteStore, options?: TokenStorageOptions): StoreTokenStorage {
  return new StoreTokenStorage(store, options);
}

/**
 * For `withEnvelopeEncryption`'s `hashKeysIn`: true for every collection of this storage except `<prefix>client`.
 * Authorization codes, transaction ids (the upstream `state`), token ids and upstream-token ids are bearer values or
 * lead to them, so the backend should see only a keyed hash of them; registered clients stay listable.
 */
export function secretKeyCollections(
  options: Pick<TokenStorageOptions, 'collectionPrefix'> = {},
): (collection: string) => boolean {
  const prefix = checkCollectionPrefix(options.collectionPrefix ?? 'fastmcp-');
  return (collection) => collection.startsWith(prefix) && collection !== `${prefix}client`;
}
