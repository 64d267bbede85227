import { ConfigurationError } from '@oauth-store/core';
import { parsePostgresUrl } from './connection-url';
import { fromPgPool, type PgPoolLike } from './pg-pool';
import { fromPGlite, type PGliteLike } from './pglite';
import { DEFAULT_TIMEOUT_MS, PostgresStore, type PostgresStoreOptions } from './postgres-store';

/** Options for {@link openPostgresStore}. */
export interface OpenPostgresStoreOptions extends Omit<PostgresStoreOptions, 'client' | 'closeClient'> {
  /**
   * The store's connection string, the same grammar as the CLI's: `postgres://user:pass@host:5432/db` (or
   * `postgresql://`) with optional `schema`, `table` and `timeout` (ms) parameters; other parameters go to `pg`.
   * Options given explicitly win over the URL's parameters.
   */
  url?: string;
  /** A libpq-style connection string handed to `pg` as it is, for example `postgres://user:pass@db.internal:5432/app`. */
  connectionString?: string;
  /** Further `pg.Pool` settings (max, ssl, ...), merged over the defaults derived from `timeoutMs`. */
  pool?: Record<string, unknown>;
  /** Run {@link PostgresStore.migrate} before returning. Default true. */
  migrate?: boolean;
}

/** Options for {@link openPGliteStore}. */
export interface OpenPGliteStoreOptions extends Omit<PostgresStoreOptions, 'client' | 'closeClient'> {
  /** `pglite:./dir` (or `pglite:` for memory) with optional `schema`, `table` and `timeout` parameters. */
  url?: string;
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

/** The options a caller actually set (an explicit `undefined` must not hide the URL's parameter). */
function definedOnly<T extends object>(options: T): T {
  return Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined)) as T;
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
  const { url, connectionString: explicit, pool: poolConfig, migrate, ...rest } = options;
  let connectionString = explicit;
  let storeOptions = rest;
  if (url !== undefined || explicit === undefined) {
    // No url and no connectionString: pg would fall back to localhost and the OS user name and fail with a misleading
    // pg_hba.conf or authentication error. Unless the pool config or libpq's PGHOST says where to go, say so instead.
    if (url === undefined && (poolConfig?.connectionString || poolConfig?.host || process.env.PGHOST)) {
      connectionString = undefined;
    } else {
      const parsed = parsePostgresUrl(url);
      if (parsed.kind !== 'pg') {
        throw new ConfigurationError('pglite: URLs open with openPGliteStore({ url }), not openPostgresStore.', {
          source: 'postgres',
        });
      }
      const { kind: _, connectionString: fromUrl, ...urlOptions } = parsed;
      connectionString = fromUrl;
      storeOptions = { ...urlOptions, ...definedOnly(rest) };
    }
  } else if (explicit.trim() === '') {
    parsePostgresUrl(explicit); // throws the "no connection string" configuration error
  }
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
  const { url, dataDir: explicitDir, migrate, ...rest } = options;
  let dataDir = explicitDir;
  let storeOptions = rest;
  if (url !== undefined) {
    const parsed = parsePostgresUrl(url);
    if (parsed.kind !== 'pglite') {
      throw new ConfigurationError('postgres:// URLs open with openPostgresStore({ url }), not openPGliteStore.', {
        source: 'postgres',
      });
    }
    const { kind: _, dataDir: fromUrl, ...urlOptions } = parsed;
    dataDir = explicitDir ?? fromUrl;
    storeOptions = { ...urlOptions, ...definedOnly(rest) };
  }
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
