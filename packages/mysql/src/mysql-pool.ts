/** The part of a mysql2 connection the store uses (structural, so any mysql2 3.x promise connection fits). */
export interface MysqlConnectionLike {
  execute(options: { sql: string; timeout?: number }, values?: unknown[]): Promise<[unknown, unknown]>;
  query(options: { sql: string; timeout?: number } | string, values?: unknown[]): Promise<[unknown, unknown]>;
  release(): void;
  destroy(): void;
}

/**
 * The part of a `mysql2/promise` Pool the store uses. Create it with `flags: ['-FOUND_ROWS']` (as
 * {@link createMysqlStore} does): then a conditional create answers from its own affected-rows count; with the
 * FOUND_ROWS flag (mysql2's default) the count is ambiguous and each refused create costs one extra read.
 */
export interface MysqlPoolLike {
  execute(options: { sql: string; timeout?: number }, values?: unknown[]): Promise<[unknown, unknown]>;
  query(options: { sql: string; timeout?: number } | string, values?: unknown[]): Promise<[unknown, unknown]>;
  getConnection(): Promise<MysqlConnectionLike>;
  end(): Promise<void>;
}

/** mysql2's CLIENT_FOUND_ROWS capability bit. */
const FOUND_ROWS = 2;

/**
 * Whether the pool's connections report "found" instead of "changed" rows. mysql2 keeps the negotiated flags on
 * `pool.pool.config.connectionConfig.flags`; when they cannot be read, assume the default (on).
 */
export function reportsFoundRows(pool: MysqlPoolLike): boolean {
  const flags = (pool as { pool?: { config?: { connectionConfig?: { flags?: unknown } } } }).pool?.config
    ?.connectionConfig?.flags;
  return typeof flags === 'number' ? (flags & FOUND_ROWS) !== 0 : true;
}
