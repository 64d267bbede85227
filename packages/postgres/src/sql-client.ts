/** Options the store passes with every statement. */
export interface SqlQueryOptions {
  /** Give up after this many milliseconds (the store also enforces it); adapters pass it to their driver if they can. */
  timeoutMs?: number;
}

/** Rows of one statement. bytea columns come back as `Uint8Array` (a `Buffer` under `pg`). */
export interface SqlResult {
  /** One object per row, keyed by column name. */
  rows: Record<string, unknown>[];
}

/**
 * The one small query interface the store speaks: a single parameterised statement at a time (`$1`, `$2`, ...).
 * Every statement the store sends is self-contained (one atomic statement), so any connection of a pool may run it.
 * {@link fromPgPool} and {@link fromPGlite} adapt the two supported drivers; anything else with this shape works too.
 */
export interface SqlClient {
  /** Short driver name for descriptions, for example `pg` or `pglite`. */
  readonly driver: string;
  /** Runs one statement with positional parameters. */
  query(text: string, params: readonly unknown[], options?: SqlQueryOptions): Promise<SqlResult>;
  /** Releases the driver's connections. The store calls it from `close()` only when it owns the client. */
  end?(): Promise<void>;
}
