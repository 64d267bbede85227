import { ConfigurationError } from '@oauth-store/core';
import { fromPgPool, type PgPoolLike } from './pg-pool';
import { fromPGlite, type PGliteLike } from './pglite';
import { DEFAULT_TIMEOUT_MS, PostgresStore, type PostgresStoreOptions } from './postgres-store';

/** Options for {@link openPostgresStore}. */
export interface OpenPostgresStoreOptions extends Omit<PostgresStoreOptions, 'client' | 'closeClient'> {
  /** A libpq-style connection string, for example `postgres://user:pass@db.internal:5432/app`. */
  connectionString?: string;
  /** Further `pg.Pool` settings (max, ssl, ...), merged over the defaults derived from `timeoutMs`. */
  pool?: Record<string, unknown>;
  /** Run {@link PostgresStore.migrate} before returning. Default true. */
  migrate?: boolean;
}

/** Options for {@link openPGliteStore}. */
export interface OpenPGliteStoreOptions extends Omit<PostgresStoreOptions, 'client' | 'closeClient'> {
  /** PGlite data directory (for example `./.oauth-store`); absent keeps everything in memory. */
  dataDir?: string;
  /** Run {@link PostgresStore.migrate} before returning. Default true. */
  migrate?: boolean;
}

async function loadOptional<T>(name: string, load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (error) {
    throw new ConfigurationError(
      `the optional peer dependency "${name}" is not installed. Add it: npm install ${name}`,
      {
        source: 'postgres',
        cause: error,
      },
    );
  }
}

async function migrated(store: PostgresStore, migrate: boolean | undefined): Promise<PostgresStore> {
  if (migrate ?? true) {
    try {
      await store.migrate();
    } catch (error) {
      await store.close().catch(() => {});
      throw error;
    }
  }
  return store;
}

/**
 * The server-side `statement_timeout` for a client-side bound of `timeoutMs`: a little shorter, so that PostgreSQL
 * cancels a slow statement itself (then it certainly did nothing, and the connection stays healthy) before the client
 * gives up on it (then its outcome is unknown). The client-side bound remains for a network that stops answering.
 */
function serverStatementTimeout(timeoutMs: number): number {
  return Math.max(1, timeoutMs - Math.min(1000, Math.ceil(timeoutMs / 4)));
}

/**
 * Creates a `pg` Pool that this store owns (`close()` ends it) with timeouts derived from `timeoutMs`: connecting
 * and pg's client-side `query_timeout` at `timeoutMs`, the server-side `statement_timeout` slightly below it. Then
 * migrates, unless told not to.
 */
export async function openPostgresStore(options: OpenPostgresStoreOptions = {}): Promise<PostgresStore> {
  const { connectionString, pool: poolConfig, migrate, ...storeOptions } = options;
  const pg = await loadOptional('pg', () => import('pg'));
  // pg is CommonJS: under ESM its exports arrive as `default`.
  const Pool = (pg.default ?? pg).Pool;
  const timeoutMs = storeOptions.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const pool = new Pool({
    connectionString,
    connectionTimeoutMillis: timeoutMs,
    statement_timeout: serverStatementTimeout(timeoutMs),
    query_timeout: timeoutMs,
    ...poolConfig,
  });
  let store: PostgresStore;
  try {
    store = new PostgresStore({
      ...storeOptions,
      client: fromPgPool(pool as unknown as PgPoolLike),
      closeClient: true,
    });
  } catch (error) {
    await pool.end();
    throw error;
  }
  return migrated(store, migrate);
}

/**
 * Opens PGlite (PostgreSQL in WASM, in this process) as a zero-setup local store: the same SQL as production, no
 * server. In memory unless `dataDir` is given. One process only: it cannot share state between instances.
 */
export async function openPGliteStore(options: OpenPGliteStoreOptions = {}): Promise<PostgresStore> {
  const { dataDir, migrate, ...storeOptions } = options;
  const { PGlite } = await loadOptional('@electric-sql/pglite', () => import('@electric-sql/pglite'));
  const db = await PGlite.create(dataDir);
  let store: PostgresStore;
  try {
    store = new PostgresStore({ ...storeOptions, client: fromPGlite(db as unknown as PGliteLike), closeClient: true });
  } catch (error) {
    await db.close();
    throw error;
  }
  return migrated(store, migrate);
}
