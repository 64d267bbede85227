import { quoteIdentifier } from './identifiers';

/** Default name of the store's table. */
export const DEFAULT_TABLE = 'oauth_store';

/**
 * Name of the server-wide lock `migrate()` holds (`GET_LOCK`), so instances starting at once create the table one
 * after the other. Fixed, so every version of this package uses the same lock.
 */
export const MIGRATION_LOCK_NAME = 'oauth_store_migrate';

/**
 * The DDL of the store's table, for a DBA to review and apply by hand (the application's user then needs only
 * SELECT, INSERT, UPDATE, DELETE on it).
 *
 * - `collection`, `key`: VARBINARY, the UTF-8 bytes of the strings. Binary strings compare and sort byte by byte: no
 *   collation folds `Client` into `client` or `é` into `e`, trailing spaces and NUL are significant.
 * - `value`: LONGBLOB, the framed record (core's header with expiry and version, then the value), unchanged.
 * - `expires_at`: BIGINT, absolute expiry in epoch milliseconds by the application's clock, NULL for never; indexed
 *   for the sweeper.
 */
export function migrationSql(table: string = DEFAULT_TABLE): string {
  const name = quoteIdentifier('table', table);
  return `CREATE TABLE IF NOT EXISTS ${name} (
  collection VARBINARY(256) NOT NULL,
  \`key\` VARBINARY(1024) NOT NULL,
  value LONGBLOB NOT NULL,
  expires_at BIGINT NULL,
  PRIMARY KEY (collection, \`key\`),
  KEY expires_at_idx (expires_at)
) ENGINE=InnoDB ROW_FORMAT=DYNAMIC`;
}
