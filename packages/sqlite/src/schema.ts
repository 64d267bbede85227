import { quoteIdentifier } from './identifiers';

/** Default name of the store's table. */
export const DEFAULT_TABLE = 'oauth_store';

/**
 * The DDL of the store's table and its expiry index.
 *
 * - `collection`, `key`: BLOB, the UTF-8 bytes of the strings. BLOBs compare with memcmp: no collation, NUL is an
 *   ordinary byte, and the order is the UTF-8 byte order every adapter lists in.
 * - `value`: BLOB, core's record frame (header with expiry and version, then the value), unchanged.
 * - `expires_at`: INTEGER, absolute expiry in epoch milliseconds by the application's clock, NULL for never.
 */
export function migrationStatements(table: string = DEFAULT_TABLE): string[] {
  const name = quoteIdentifier('table', table);
  const index = quoteIdentifier('index', `${table}_expires_at_idx`);
  return [
    `CREATE TABLE IF NOT EXISTS ${name} (
  collection BLOB NOT NULL,
  key BLOB NOT NULL,
  value BLOB NOT NULL,
  expires_at INTEGER,
  PRIMARY KEY (collection, key)
)`,
    `CREATE INDEX IF NOT EXISTS ${index} ON ${name} (expires_at) WHERE expires_at IS NOT NULL`,
  ];
}

/** The same DDL as one script, for a DBA. */
export function migrationSql(table: string = DEFAULT_TABLE): string {
  return `${migrationStatements(table).join(';\n\n')};\n`;
}
