export { type ParsedSqliteUrl, parseSqliteUrl, SQLITE_URL_FORM } from './connection-url';
export { decodeCursor, encodeCursor } from './cursor';
export { descriptor } from './descriptor';
export { quoteIdentifier } from './identifiers';
export { mapSqliteError, sqliteNotApplied } from './map-error';
export { type CreateSqliteStoreOptions, createSqliteStore, DEFAULT_BUSY_TIMEOUT_MS } from './open';
export { DEFAULT_TABLE, migrationSql } from './schema';
export type { SqliteClientLike, SqliteValue } from './sqlite-client';
export {
  DEFAULT_MAX_VALUE_BYTES,
  DEFAULT_SWEEP_BATCH_SIZE,
  DEFAULT_SWEEP_INTERVAL_MS,
  DEFAULT_SWEEP_MAX_BATCHES,
  DEFAULT_TIMEOUT_MS,
  DEFAULT_TIMER_SWEEP_MAX_BATCHES,
  MAX_VALUE_BYTES_LIMIT,
  SqliteStore,
  type SqliteStoreOptions,
  type SweepOptions,
  type SweepResult,
} from './sqlite-store';
