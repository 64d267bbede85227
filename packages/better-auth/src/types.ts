/**
 * better-auth's `SecondaryStorage`, declared here so the package needs no type import at run time. It matches
 * `SecondaryStorage` of `@better-auth/core` 1.x (checked by this package's type tests); every method returns a
 * promise.
 */
export interface OAuthStoreSecondaryStorage {
  /** The string stored under `key` (for a counter: its count, as a decimal string), or null. */
  get(key: string): Promise<string | null>;
  /** Atomically reads and deletes: of concurrent callers, in any number of processes, exactly one gets the value. */
  getAndDelete(key: string): Promise<string | null>;
  /** Stores a string, for `ttl` seconds when given (absent or 0: no expiry). */
  set(key: string, value: string, ttl?: number): Promise<void>;
  /** Deletes the key. */
  delete(key: string): Promise<void>;
  /**
   * Atomically adds one to the counter at `key` and returns the new count. An absent counter starts at 1 and expires
   * `ttl` seconds after that first increment; later increments never extend it.
   */
  increment(key: string, ttl: number): Promise<number>;
}
