export { type ParsedPostgresUrl, POSTGRES_URL_FORM, parsePostgresUrl } from './connection-url';
export { decodeCursor, encodeCursor } from './cursor';
export { descriptor } from './descriptor';
export { MAX_IDENTIFIER_BYTES, quoteIdentifier } from './identifiers';
export { mapPostgresError, postgresNotApplied } from './map-error';
export {
  type OpenPGliteStoreOptions,
  type OpenPostgresStoreOptions,
  openPGliteStore,
  openPostgresStore,
} from './open';
export { type FromPgPoolOptions, fromPgPool, type PgPoolLike } from './pg-pool';
export { fromPGlite, type PGliteLike } from './pglite';
export {
  DEFAULT_MAX_VALUE_BYTES,
  DEFAULT_SWEEP_BATCH_SIZE,
  DEFAULT_SWEEP_INTERVAL_MS,
  DEFAULT_SWEEP_MAX_BATCHES,
  DEFAULT_TIMEOUT_MS,
  DEFAULT_TIMER_SWEEP_MAX_BATCHES,
  MAX_VALUE_BYTES_LIMIT,
  PostgresStore,
  type PostgresStoreOptions,
  type SweepOptions,
  type SweepResult,
} from './postgres-store';
export { DEFAULT_SCHEMA, DEFAULT_TABLE, MIGRATION_LOCK_KEY, migrationSql, type TableLocation } from './schema';
export type { SqlClient, SqlQueryOptions, SqlResult } from './sql-client';
