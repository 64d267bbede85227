export { MYSQL_URL_FORM, type ParsedMysqlUrl, parseMysqlUrl } from './connection-url';
export { decodeCursor, encodeCursor } from './cursor';
export { descriptor } from './descriptor';
export { MAX_IDENTIFIER_CHARS, quoteIdentifier } from './identifiers';
export { mapMysqlError, mysqlNotApplied } from './map-error';
export type { TakeStrategy } from './mysql-driver';
export { type MysqlConnectionLike, type MysqlPoolLike, reportsFoundRows } from './mysql-pool';
export {
  DEFAULT_MAX_VALUE_BYTES,
  DEFAULT_SWEEP_BATCH_SIZE,
  DEFAULT_SWEEP_INTERVAL_MS,
  DEFAULT_SWEEP_MAX_BATCHES,
  DEFAULT_TIMEOUT_MS,
  DEFAULT_TIMER_SWEEP_MAX_BATCHES,
  MAX_VALUE_BYTES_LIMIT,
  MysqlStore,
  type MysqlStoreOptions,
  type SweepOptions,
  type SweepResult,
} from './mysql-store';
export { type CreateMysqlStoreOptions, createMysqlStore } from './open';
export { DEFAULT_TABLE, MIGRATION_LOCK_NAME, migrationSql } from './schema';
