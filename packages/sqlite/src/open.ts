import { ConfigurationError, integerOption } from '@oauth-store/core';
import { parseSqliteUrl } from './connection-url';
import { mapSqliteError } from './map-error';
import type { SqliteClientLike } from './sqlite-client';
import { DEFAULT_TIMEOUT_MS, SqliteStore, type SqliteStoreOptions } from './sqlite-store';

/** Default for {@link CreateSqliteStoreOptions.busyTimeoutMs}. */
export const DEFAULT_BUSY_TIMEOUT_MS = 5000;

/** Options for {@link createSqliteStore}. */
export interface CreateSqliteStoreOptions extends Omit<SqliteStoreOptions, 'client' | 'closeClient'> {
  /** `sqlite:./file.db`, `sqlite::memory:` or `libsql://...?authToken=` (see the README). Explicit options win. */
  url: string;
  /**
   * How long a statement waits for another process's write lock before failing with `unavailable` (SQLite's busy
   * timeout), in ms. Default 5000, at most `timeoutMs`. Local files only. The wait blocks this process's event loop
   * (the driver is synchronous underneath), which is why it is bounded separately and kept short.
   */
  busyTimeoutMs?: number;
  /**
   * SQLite's `synchronous` setting for a local file. `full` (default, SQLite's own): every commit is fsynced, so an
   * acknowledged write survives a power loss; each write holds the database's write lock for an fsync (milliseconds).
   * `normal`: commits are fsynced at checkpoints only; a process crash loses nothing, a power loss or OS crash may roll
   * back the last commits; writes hold the lock for microseconds (much higher write throughput, and processes
   * waiting for the lock get it far sooner, since SQLite's lock is not a fair queue).
   */
  synchronous?: 'full' | 'normal';
  /** Turso / sqld auth token (or `?authToken=` in the URL). */
  authToken?: string;
  /** Run {@link SqliteStore.migrate} before returning. Default true. */
  migrate?: boolean;
}

function definedOnly<T extends object>(options: T): T {
  return Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined)) as T;
}

/** Sets WAL mode (persistent in the file), retrying while another process holds the lock, within `boundMs`. */
async function enableWal(client: SqliteClientLike, boundMs: number): Promise<void> {
  const deadline = Date.now() + boundMs;
  for (;;) {
    try {
      const { rows } = await client.execute({ sql: 'PRAGMA journal_mode = WAL', args: [] });
      if (String(rows[0]?.journal_mode).toLowerCase() !== 'wal') {
        throw new ConfigurationError(
          'the database refused WAL mode (a read-only or network file system?). Put the file on a local disk.',
          { source: 'sqlite' },
        );
      }
      return;
    } catch (error) {
      const code = String((error as { code?: unknown }).code ?? '');
      if (!code.startsWith('SQLITE_BUSY') || Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }
}

/**
 * Opens (or creates) the database a connection string names with `@libsql/client`, and a store that owns the client.
 * For a local file: WAL mode (readers never block the writer; several processes share the file), the busy timeout
 * on every connection, SQLite's default `synchronous=FULL` (a write is on disk when it resolves). Then migrates.
 */
export async function createSqliteStore(options: CreateSqliteStoreOptions): Promise<SqliteStore> {
  const {
    url,
    busyTimeoutMs: explicitBusy,
    authToken: explicitToken,
    synchronous: explicitSync,
    migrate,
    ...rest
  } = options ?? ({} as CreateSqliteStoreOptions);
  const parsed = parseSqliteUrl(url);
  const storeOptions = {
    ...(parsed.table ? { table: parsed.table } : {}),
    ...(parsed.timeoutMs ? { timeoutMs: parsed.timeoutMs } : {}),
    ...definedOnly(rest),
  };
  const timeoutMs = storeOptions.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const busyTimeoutMs = integerOption(
    'sqlite',
    'busyTimeoutMs',
    explicitBusy ?? parsed.busyTimeoutMs,
    Math.min(DEFAULT_BUSY_TIMEOUT_MS, timeoutMs),
    { max: timeoutMs },
  );
  const synchronous = explicitSync ?? parsed.synchronous ?? 'full';
  if (synchronous !== 'full' && synchronous !== 'normal') {
    throw new ConfigurationError('synchronous must be "full" or "normal".', { source: 'sqlite' });
  }
  let libsql: typeof import('@libsql/client');
  try {
    libsql = await import('@libsql/client');
  } catch (error) {
    throw new ConfigurationError(
      'the peer dependency "@libsql/client" is not installed. Add it: npm install @libsql/client',
      {
        source: 'sqlite',
        cause: error,
      },
    );
  }
  let client: SqliteClientLike;
  try {
    client = libsql.createClient({
      url: parsed.clientUrl,
      // One connection: statements on a local file run synchronously one at a time anyway, and per-connection
      // settings (synchronous) then hold for every statement.
      ...(parsed.kind === 'local' ? { timeout: busyTimeoutMs, concurrency: 1 } : {}),
      ...((explicitToken ?? parsed.authToken) ? { authToken: explicitToken ?? parsed.authToken } : {}),
    });
  } catch (error) {
    throw mapSqliteError(error, 'open');
  }
  let store: SqliteStore;
  try {
    if (parsed.kind === 'local' && parsed.clientUrl !== ':memory:') {
      // The busy timeout once more, as a PRAGMA: @libsql/client before 0.17.4 ignores the `timeout` option above (its
      // connections open with no busy handler, so a write meeting another process's lock failed at once with
      // SQLITE_BUSY). The setting holds: those versions keep one connection until transaction() is called, which the
      // store never does; newer ones (one connection here, concurrency 1) also apply `timeout` to any new connection.
      await client.execute({ sql: `PRAGMA busy_timeout = ${busyTimeoutMs}`, args: [] });
      await enableWal(client, timeoutMs);
      await client.execute({ sql: `PRAGMA synchronous = ${synchronous === 'full' ? 'FULL' : 'NORMAL'}`, args: [] });
    }
    store = new SqliteStore({ ...storeOptions, client, closeClient: true });
  } catch (error) {
    client.close();
    throw error instanceof ConfigurationError ? error : mapSqliteError(error, 'open');
  }
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
