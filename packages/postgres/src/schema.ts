import { type TableNames, tableNames } from './identifiers';

/** Default schema of the store's table. */
export const DEFAULT_SCHEMA = 'public';
/** Default name of the store's table. */
export const DEFAULT_TABLE = 'oauth_store';

/**
 * Key of the transaction-scoped advisory lock `migrate()` holds. Concurrent `CREATE TABLE IF NOT EXISTS` statements
 * can still collide on the catalog's unique index (pg_type), so instances that start at once take turns instead.
 * The number is arbitrary but fixed ("oaut" in ASCII), so every version of this package uses the same lock.
 */
export const MIGRATION_LOCK_KEY = 1868657012;

/** Where the table lives. */
export interface TableLocation {
  /** Schema name, unquoted. Default `public`. */
  schema?: string;
  /** Table name, unquoted. Default `oauth_store`. */
  table?: string;
}

function tableDdl(names: TableNames): string[] {
  return [
    `CREATE TABLE IF NOT EXISTS ${names.qualifiedTable} (
  collection bytea NOT NULL,
  key bytea NOT NULL,
  value bytea NOT NULL,
  expires_at bigint,
  PRIMARY KEY (collection, key)
)`,
    `CREATE INDEX IF NOT EXISTS ${names.expiresIndex} ON ${names.qualifiedTable} (expires_at) WHERE expires_at IS NOT NULL`,
  ];
}

/**
 * The SQL that creates the store's table and the sweeper's index, for a DBA to review and apply by hand (then the
 * application's role needs only SELECT, INSERT, UPDATE, DELETE on the table).
 *
 * collection and key are the UTF-8 bytes of the strings (bytea, because text cannot hold NUL and bytea sorts by
 * bytes); expires_at is the absolute expiry in epoch milliseconds by the application's clock, NULL for never.
 */
export function migrationSql(location: TableLocation = {}): string {
  const names = tableNames(location.schema ?? DEFAULT_SCHEMA, location.table ?? DEFAULT_TABLE);
  return `${[`CREATE SCHEMA IF NOT EXISTS ${names.schema}`, ...tableDdl(names)].join(';\n\n')};\n`;
}

/** An E'' string literal: valid whatever `standard_conforming_strings` says. */
function escapedLiteral(value: string): string {
  return `E'${value.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`;
}

/**
 * One self-contained statement that migrates idempotently under concurrency: a DO block runs in one transaction, so
 * the advisory lock is held until the table and index are committed. The schema is created only when missing,
 * because CREATE SCHEMA IF NOT EXISTS still demands the CREATE privilege on the database.
 */
export function migrationStatement(names: TableNames): string {
  const body = [
    'BEGIN',
    `  PERFORM pg_advisory_xact_lock(${MIGRATION_LOCK_KEY});`,
    `  IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = ${escapedLiteral(names.schemaName)}) THEN`,
    `    CREATE SCHEMA ${names.schema};`,
    '  END IF;',
    ...tableDdl(names).map((statement) => `  ${statement};`),
    'END',
  ].join('\n');
  // Pick a dollar-quote tag the body (which embeds the configured names) does not contain.
  let tag = '$oauth_store$';
  for (let n = 0; body.includes(tag); n++) tag = `$oauth_store_${n}$`;
  return `DO ${tag}\n${body}\n${tag}`;
}
