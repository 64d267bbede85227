/**
 * The one storage contract every oauth-store backend implements.
 *
 * A store holds named collections of opaque byte values. Everything above it (typed client and transaction stores,
 * the envelope-encryption wrapper, the bridges) speaks only this interface, so any adapter can serve any of them.
 */

/** Options for {@link ByteStore.set}. */
export interface SetOptions {
  /** Time to live in milliseconds (a positive integer). Absent means the entry never expires. */
  ttlMs?: number;
  /** Write only when no live entry exists; an expired entry counts as absent. */
  onlyIfAbsent?: boolean;
}

/** Options for {@link ByteStore.list}. */
export interface ListOptions {
  /** The opaque cursor returned by the previous page; absent for the first page. */
  cursor?: string;
  /** Maximum keys in this page (a positive integer); adapters may return fewer. Defaults to 100. */
  limit?: number;
}

/** One page of keys from {@link ByteStore.list}. */
export interface ListPage {
  /** Keys of live entries in this page. */
  keys: string[];
  /** Pass to the next `list` call; absent when this is the last page. */
  cursor?: string;
}

/** What an adapter can hold and guarantee; checked before the backend is touched. */
export interface StoreCapabilities {
  /** The adapter's name, used as the prefix of its error messages (for example `redis`). */
  readonly name: string;
  /** Maximum UTF-8 length in bytes of a key. At least 512. */
  readonly maxKeyBytes: number;
  /** Maximum UTF-8 length in bytes of a collection name. At least 64. */
  readonly maxCollectionBytes: number;
  /** Maximum length in bytes of a value. */
  readonly maxValueBytes: number;
  /** Whether the backend expires entries itself (otherwise expiry is enforced on read and by sweeping). */
  readonly nativeTtl: boolean;
  /** Whether `take` is atomic across processes. Only non-atomic bridges (Keyv) set this to false. */
  readonly atomicTake: boolean;
}

/**
 * The storage contract. Every method rejects with an {@link OAuthStoreError} subclass, never a raw backend error.
 * No method ever returns an expired entry, whatever the backend's own expiry lag.
 */
export interface ByteStore {
  /** What this store can hold; see {@link StoreCapabilities}. */
  readonly capabilities: StoreCapabilities;
  /** The live value under (collection, key), or undefined. */
  get(collection: string, key: string): Promise<Uint8Array | undefined>;
  /** Writes the value. Resolves false only when `onlyIfAbsent` is set and a live entry exists. */
  set(collection: string, key: string, value: Uint8Array, options?: SetOptions): Promise<boolean>;
  /** Deletes the entry; resolves true when a live entry was deleted. */
  delete(collection: string, key: string): Promise<boolean>;
  /**
   * Atomic get-and-delete: of any number of concurrent callers, in any number of processes, exactly one receives
   * the value. This is what makes authorization codes one-time.
   */
  take(collection: string, key: string): Promise<Uint8Array | undefined>;
  /** One page of live keys. Never loads a whole collection; no key is lost or repeated while others write. */
  list(collection: string, options?: ListOptions): Promise<ListPage>;
  /** Releases connections and timers the store owns. Later calls reject with a `closed` error. */
  close(): Promise<void>;
}
