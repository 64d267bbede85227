/**
 * fastmcp's `TokenStorage` interface (fastmcp 4.x, `fastmcp/auth`), restated so this package's types do not depend on
 * fastmcp's subpath typings (which `moduleResolution: node10` cannot resolve). A compile-time test checks it is the
 * same as fastmcp's in both directions.
 */
export interface FastMcpTokenStorage {
  /** Removes expired entries. */
  cleanup(): Promise<void>;
  /** Deletes a value. */
  delete(key: string): Promise<void>;
  /** The value, or null when absent or expired. */
  get(key: string): Promise<null | unknown>;
  /** Saves a value; `ttl` in seconds. */
  save(key: string, value: unknown, ttl?: number): Promise<void>;
  /** Atomically reads and deletes: at most one caller observes a value. */
  take?(key: string): Promise<null | unknown>;
}
