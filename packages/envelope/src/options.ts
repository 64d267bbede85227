import type { ByteStore, KeyringMaterial, KeySource, OAuthStoreError } from '@oauth-store/core';
import type { DataKeyCacheOptions } from './data-key-cache';
import type { KeyStatus } from './key-manager';
import type { EnvelopeKeyringMaterial, Keyring } from './keyring';
import type { RewrapOptions, RewrapResult } from './rewrap';

/** Options of {@link withEnvelopeEncryption}. Give exactly one of `keyring` or `keySource`. */
export interface EnvelopeOptions {
  /** Fixed key material (a {@link Keyring} or raw {@link KeyringMaterial}); never refreshed. */
  keyring?: Keyring | KeyringMaterial | EnvelopeKeyringMaterial;
  /**
   * Where key material comes from (`envKeySource`, `fileKeySource`, `@oauth-store/secrets-*`). Loaded once when the
   * wrapper is created and then every `refreshIntervalMs`; never per operation.
   */
  keySource?: KeySource;
  /** Interval between key-source refreshes, in ms. Default 300 000 (5 minutes); 0 turns refreshing off. */
  refreshIntervalMs?: number;
  /** Hears about failed refreshes (the previous keys stay in use). Gets typed errors that never hold material. */
  onError?: (error: OAuthStoreError) => void;
  /**
   * Collections whose key names are secrets (authorization codes, tokens used as keys): the backend then sees
   * only HMAC-SHA256 of each name, never the name. A list of collection names or a predicate. Needs `hashKey`.
   * `list` rejects with `not_supported` in these collections.
   */
  hashKeysIn?: readonly string[] | ((collection: string) => boolean);
  /**
   * The secret keying the name hash: at least 32 random bytes, or a {@link KeySource} whose primary key is used
   * (loaded once at start-up, never refreshed). It is deliberately separate from the KEKs: a hashed name must stay
   * findable across KEK rotations. Changing it orphans every record in hashed collections (they expire by TTL).
   */
  hashKey?: Uint8Array | KeySource;
  /**
   * The encryption context: a name bound (authenticated, not stored) into every record this store writes and checked
   * on every read. Two stores that share a KEK but not a namespace (another tenant, key prefix or table) cannot read
   * each other's records, even copied byte for byte. Default `''` (no namespace): records can then be copied between
   * stores (`oauth-store migrate`) and read wherever the same keys and the empty namespace are used. Changing it makes
   * every existing record unreadable (`integrity`). Up to 255 UTF-8 bytes, no lone surrogates.
   */
  namespace?: string;
  /**
   * Reuse of data keys, bounded (see {@link DataKeyCacheOptions}); `false` draws a fresh data key for every record and
   * never caches unwrapped keys. Default: on, 4096 records or 60 s per data key, 1024 unwrapped keys.
   */
  dataKeyCache?: DataKeyCacheOptions | false;
  /** Clock for the expiry written into envelopes and checked on every read; default `Date.now`. */
  now?: () => number;
}

/** A {@link ByteStore} that encrypts every value; see {@link withEnvelopeEncryption}. */
export interface EnvelopeStore extends ByteStore {
  /**
   * Resolves once key material (and the hash key) has loaded; rejects with a typed `configuration` error naming the
   * secret and the fix when start-up loading failed. Await it at start-up so a bad secret stops the service early.
   */
  ready(): Promise<void>;
  /** Loads the key source now (as the interval does). Rejects on failure; the previous keys stay in use. */
  refreshKeys(): Promise<void>;
  /** Kids in use and load counters, for health checks; never material. */
  keyStatus(): KeyStatus;
  /** Re-wraps records of the wrapped store under the current primary key; see {@link rewrap}. */
  rewrap(options: RewrapOptions): Promise<RewrapResult>;
}
