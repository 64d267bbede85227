/**
 * The one storage contract every oauth-store backend implements.
 *
 * A store holds named collections of opaque byte values. Everything above it (typed client and transaction stores,
 * the envelope-encryption wrapper, the bridges) speaks only this interface, so any adapter can serve any of them.
 */

/** Options for {@link ByteStore.set}. */
export interface SetOptions {
  /** Time to live in milliseconds (a positive integer). Absent means the entry never expires. Excludes `expiresAt`. */
  ttlMs?: number;
  /**
   * Absolute expiry in epoch milliseconds (an integer in the future), instead of `ttlMs`: for copying an entry with the
   * exact expiry `getEntry` reported (migrate), with no drift from converting it to a relative TTL and back.
   */
  expiresAt?: number;
  /** Write only when no live entry exists; an expired entry counts as absent. Excludes `ifVersion`. */
  onlyIfAbsent?: boolean;
  /**
   * Compare-and-set: write only when the live entry's current version (from {@link ByteStore.getEntry}) equals this.
   * Resolves false when the entry changed, was deleted or expired since it was read. Excludes `onlyIfAbsent`.
   * Atomic across processes where `capabilities.compareAndSet` is true (every shipped backend); within one process
   * only otherwise (Keyv-backed stores).
   */
  ifVersion?: string;
}

/** Options for {@link ByteStore.delete}. */
export interface DeleteOptions {
  /** Compare-and-delete: delete only when the live entry's version equals this. See {@link SetOptions.ifVersion}. */
  ifVersion?: string;
}

/** A live entry with its version, from {@link ByteStore.getEntry}. */
export interface StoredEntry {
  /** The value as written. */
  value: Uint8Array;
  /**
   * Opaque version of this write: a fresh random id per successful `set`. Pass it back as `ifVersion` to write or
   * delete only if nobody wrote in between. Never reused, so an A-B-A sequence is detected.
   */
  version: string;
  /** Absolute expiry in epoch milliseconds, or undefined when the entry never expires. */
  expiresAt: number | undefined;
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
  /**
   * Whether conditional writes (`onlyIfAbsent`, `ifVersion`) are atomic across processes. Only non-atomic bridges
   * (Keyv) set this to false; there they are atomic within one process only.
   */
  readonly compareAndSet: boolean;
}

/**
 * The storage contract (v2). Every method rejects with an {@link OAuthStoreError} subclass, never a raw backend error.
 * No method ever returns an expired entry, whatever the backend's own expiry lag: a read that starts after
 * `set` resolved + `ttlMs` never sees the entry.
 *
 * Unknown outcomes: when a write, delete or take may or may not have been applied (its response was lost, or it hit its
 * deadline after being sent), it rejects with a `StoreUnavailableError` whose `outcomeUnknown` is true. It is never
 * applied twice (no client-library retry or resend of a non-idempotent command), and never applied after it rejected
 * with `outcomeUnknown` false.
 *
 * Time bound: every call settles within the store's `timeoutMs`, except a write whose outcome is unknown, which then
 * reads the entry back (with its own `timeoutMs`) to find out whether it landed: such a call settles within twice
 * `timeoutMs`. A call that passed its deadline before the command was sent is still reported `outcomeUnknown` (the
 * runtime cannot tell from the outside), so `outcomeUnknown: true` means "may have been applied", never "was applied".
 */
export interface ByteStore {
  /** What this store can hold; see {@link StoreCapabilities}. */
  readonly capabilities: StoreCapabilities;
  /** The live value under (collection, key), or undefined. */
  get(collection: string, key: string): Promise<Uint8Array | undefined>;
  /** The live entry with its version and absolute expiry, or undefined. */
  getEntry(collection: string, key: string): Promise<StoredEntry | undefined>;
  /**
   * Writes the value. Resolves false only when a condition failed (`onlyIfAbsent` and a live entry exists, or
   * `ifVersion` and the live entry has another version or none). A conditional create whose response was lost and
   * that is found to be the caller's own write resolves true.
   */
  set(collection: string, key: string, value: Uint8Array, options?: SetOptions): Promise<boolean>;
  /** Deletes the entry; resolves true when a live entry (with the given version, if any) was deleted. */
  delete(collection: string, key: string, options?: DeleteOptions): Promise<boolean>;
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
