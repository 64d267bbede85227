import { ConfigurationError } from '@oauth-store/core';
import { parseMysqlUrl } from './connection-url';
import type { MysqlPoolLike } from './mysql-pool';
import { DEFAULT_TIMEOUT_MS, MysqlStore, type MysqlStoreOptions } from './mysql-store';

/** Options for {@link createMysqlStore}. */
export interface CreateMysqlStoreOptions extends Omit<MysqlStoreOptions, 'pool' | 'closePool'> {
  /** `mysql://user:pass@host:3306/database?table=&timeout=&ssl=true` (or `mariadb://`). Explicit options win. */
  url: string;
  /** Further mysql2 pool settings (connectionLimit, ssl, ...), merged over the defaults. */
  pool?: Record<string, unknown>;
  /** Run {@link MysqlStore.migrate} before returning (which also proves the server answers). Default true. */
  migrate?: boolean;
}

function definedOnly<T extends object>(options: T): T {
  return Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined)) as T;
}

/**
 * Creates a mysql2 pool that the store owns (`close()` ends it) from a connection string, then migrates unless told
 * not to. The pool is created with `flags: ['-FOUND_ROWS']`,
 * binary-safe settings, and a connect timeout of `timeoutMs`.
 */
export async function createMysqlStore(options: CreateMysqlStoreOptions): Promise<MysqlStore> {
  const { url, pool: poolConfig, migrate, ...rest } = options ?? ({} as CreateMysqlStoreOptions);
  const parsed = parseMysqlUrl(url);
  const { host, port, user, password, database, ssl, ...urlOptions } = parsed;
  const storeOptions = { ...urlOptions, ...definedOnly(rest) };
  let mysql: typeof import('mysql2/promise');
  try {
    mysql = await import('mysql2/promise');
  } catch (error) {
    throw new ConfigurationError('the peer dependency "mysql2" is not installed. Add it: npm install mysql2', {
      source: 'mysql',
      cause: error,
    });
  }
  const timeoutMs = storeOptions.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  // mysql2 is CommonJS: under ESM its exports may arrive as `default`.
  const { createPool } = (mysql as typeof mysql & { default?: typeof mysql }).default ?? mysql;
  const pool = createPool({
    host,
    port,
    user,
    password,
    database,
    ...(ssl ? { ssl: {} } : {}),
    connectTimeout: timeoutMs,
    // affectedRows must count changed rows, not matched ones (see MysqlPoolLike).
    flags: ['-FOUND_ROWS'],
    // Numbers stay numbers, BLOBs stay Buffers; no client-side date or multi-statement surprises.
    supportBigNumbers: true,
    bigNumberStrings: false,
    multipleStatements: false,
    connectionLimit: 10,
    ...poolConfig,
  });
  // A statement waiting for a row lock gives up on the server (it then certainly did nothing) a little before the
  // client's deadline, instead of InnoDB's default 50 s. mysql2 runs commands on a connection in order, so this SET
  // precedes the connection's first statement.
  const lockWaitSeconds = Math.max(1, Math.ceil(timeoutMs / 1000) - 1);
  const events = (pool as unknown as { pool?: { on?: (event: string, listener: (c: unknown) => void) => void } }).pool;
  events?.on?.('connection', (connection) => {
    (connection as { query(sql: string, callback: () => void): void }).query(
      `SET SESSION innodb_lock_wait_timeout = ${lockWaitSeconds}`,
      () => {},
    );
  });
  let store: MysqlStore;
  try {
    store = new MysqlStore({ ...storeOptions, pool: pool as unknown as MysqlPoolLike, closePool: true });
  } catch (error) {
    await pool.end();
    throw error;
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
