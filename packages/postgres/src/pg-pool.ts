import type { SqlClient, SqlResult } from './sql-client';

/**
 * The part of a `pg` `Pool` the store uses (structural, so this package's types do not require `@types/pg`).
 * A `pg.Client` is NOT suitable: one broken client never reconnects, while a pool discards it and opens another.
 */
export interface PgPoolLike {
  query(config: { text: string; values?: unknown[]; query_timeout?: number }): Promise<{ rows: unknown[] }>;
  query(text: string, values: unknown[]): Promise<{ rows: unknown[] }>;
  /** pg-pool's settings; a pool-wide `query_timeout` there bounds every statement already. */
  readonly options?: { readonly query_timeout?: number };
  on(event: 'error', listener: (error: Error) => void): unknown;
  end(): Promise<void>;
}

const guardedPools = new WeakSet<PgPoolLike>();

/** Options for {@link fromPgPool}. */
export interface FromPgPoolOptions {
  /**
   * Listen to the pool's `error` event (default true). `pg` emits it when an IDLE connection breaks, for example when
   * PostgreSQL restarts; with no listener Node.js would crash the process. The pool already discards the broken
   * connection, so the listener only has to exist. Set false when your code attaches its own.
   */
  handleIdleErrors?: boolean;
}

/**
 * Adapts a `pg` `Pool` (node-postgres 8). Every statement runs under pg's client-side `query_timeout`, so a statement
 * that does not answer in time is abandoned and its connection destroyed instead of being returned to the pool: the
 * pool's own `query_timeout` when it has one (pools from {@link openPostgresStore} do), otherwise the store's time
 * left, given per statement.
 */
export function fromPgPool(pool: PgPoolLike, options: FromPgPoolOptions = {}): SqlClient {
  if ((options.handleIdleErrors ?? true) && !guardedPools.has(pool)) {
    // Once per pool, however many stores share it (more listeners would trip Node's MaxListeners warning).
    guardedPools.add(pool);
    pool.on('error', () => {
      // Deliberately empty: see FromPgPoolOptions.handleIdleErrors. The next query opens a fresh connection.
    });
  }
  return {
    driver: 'pg',
    query(text, params, queryOptions): Promise<SqlResult> {
      // pg neither keeps nor changes `values`. The positional form matters on the hot path: given a config object, pg
      // copies it property by property (getOwnPropertyDescriptors) on every statement.
      const values = params as unknown[];
      const timeoutMs = queryOptions?.timeoutMs;
      if (!timeoutMs || pool.options?.query_timeout) return pool.query(text, values) as Promise<SqlResult>;
      return pool.query({ text, values, query_timeout: timeoutMs }) as Promise<SqlResult>;
    },
    end: () => pool.end(),
  };
}
