import type { SqlClient, SqlResult } from './sql-client';

/** The part of a PGlite instance (`@electric-sql/pglite`) the store uses. */
export interface PGliteLike {
  // biome-ignore lint/suspicious/noExplicitAny: mirrors PGlite's own signature so a PGlite instance is assignable.
  query<T>(query: string, params?: any[]): Promise<{ rows: T[] }>;
  close(): Promise<void>;
}

/**
 * Adapts PGlite, PostgreSQL compiled to WASM running inside this process: a zero-setup local default with the same
 * SQL as production. It is one connection in one process; do not use it to share state between processes.
 */
export function fromPGlite(db: PGliteLike): SqlClient {
  return {
    driver: 'pglite',
    async query(text, params): Promise<SqlResult> {
      // No timeout to pass: PGlite runs in-process with no network to hang on; the store's own deadline still applies.
      const result = await db.query<Record<string, unknown>>(text, [...params]);
      return { rows: result.rows };
    },
    end: () => db.close(),
  };
}
