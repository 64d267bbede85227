/** The part of a mysql2 connection the store uses (structural, so any mysql2 3.x promise connection fits). */
export interface MysqlConnectionLike {
  query(options: { sql: string; timeout?: number } | string, values?: unknown[]): Promise<[unknown, unknown]>;
  release(): void;
  destroy(): void;
}

/**
 * The part of a `mysql2/promise` Pool the store uses. Any flags work: no statement the store sends depends on
 * FOUND_ROWS (a conditional create is a plain INSERT, a compare-and-set always changes the row it matches).
 */
export interface MysqlPoolLike {
  query(options: { sql: string; timeout?: number } | string, values?: unknown[]): Promise<[unknown, unknown]>;
  getConnection(): Promise<MysqlConnectionLike>;
  end(): Promise<void>;
}

/** mysql2's CLIENT_FOUND_ROWS capability bit. */
const FOUND_ROWS = 2;

/**
 * Whether the pool's connections report "found" instead of "changed" rows. mysql2 keeps the merged flags on
 * `pool.pool.config.connectionConfig.clientFlags` (its `flags` option is the user's list, not the bits); when they
 * cannot be read, assume the default (on).
 */
export function reportsFoundRows(pool: MysqlPoolLike): boolean {
  const flags = (pool as { pool?: { config?: { connectionConfig?: { clientFlags?: unknown } } } }).pool?.config
    ?.connectionConfig?.clientFlags;
  return typeof flags === 'number' ? (flags & FOUND_ROWS) !== 0 : true;
}
