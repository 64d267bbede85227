import { quoteIdentifier } from './identifiers';

const live = '(expires_at IS NULL OR expires_at > ?)';
/** Bytes 9..24 of the stored frame, the write's version (SQL counts from 1). */
const VERSION = 'SUBSTRING(value, 10, 16)';
const KEY = 'collection = ? AND `key` = ?';

/** Every statement the store sends; each is one atomic statement unless noted. Parameters are positional (`?`). */
export interface Statements {
  /** collection, key, now -> value of a live row. */
  get: string;
  /** collection, key, value, expires_at -> upsert. */
  set: string;
  /**
   * collection, key, value, expires_at, now, now -> affectedRows 1 (inserted) or 2 (an expired row replaced); 0 when a
   * live row exists (needs a connection without the FOUND_ROWS flag, see {@link fromMysqlPool}).
   */
  setIfAbsent: string;
  /** value, expires_at, collection, key, now, version -> affectedRows 1 when the live row had that version. */
  setIfVersion: string;
  /** collection, key -> deletes the row, live or not (MySQL 8 take, step 2, on the row step 1 locked). */
  deleteAny: string;
  /** collection, key, now, version -> affectedRows 1 when a live row with that version was deleted. */
  deleteLiveIfVersion: string;
  /** collection, key, now -> affectedRows 1 when a live row was deleted (expired rows are left to the sweeper). */
  deleteLive: string;
  /** collection, key, now -> the deleted row's value and `live` flag (MariaDB's DELETE ... RETURNING). */
  takeReturning: string;
  /** collection, key, now -> the live row's value, locked until the transaction ends (MySQL 8 take, step 1). */
  selectForUpdate: string;
  /** collection, now -> keys in byte order; the limit is appended by the driver (a validated integer). */
  listFirst: string;
  /** collection, cursor, now -> keys after the cursor. */
  listAfter: string;
  /** now -> deletes a batch of expired rows; the batch size is appended (a validated integer). */
  sweep: string;
}

/** Builds the statements for one table. */
export function statements(table: string): Statements {
  const t = quoteIdentifier('table', table);
  const insert = `INSERT INTO ${t} (collection, \`key\`, value, expires_at) VALUES (?, ?, ?, ?)`;
  // In ON DUPLICATE KEY UPDATE the assignments run left to right: `value` is assigned while `expires_at` is still the
  // old row's, and `expires_at` last, so both conditions test the old row's expiry.
  const expired = '(expires_at IS NOT NULL AND expires_at <= ?)';
  return {
    get: `SELECT value FROM ${t} WHERE ${KEY} AND ${live}`,
    set: `${insert} ON DUPLICATE KEY UPDATE value = VALUES(value), expires_at = VALUES(expires_at)`,
    setIfAbsent: `${insert} ON DUPLICATE KEY UPDATE value = IF(${expired}, VALUES(value), value), expires_at = IF(${expired}, VALUES(expires_at), expires_at)`,
    // InnoDB's UPDATE reads the newest committed row under an exclusive lock and evaluates the WHERE on it: of racing
    // compare-and-sets on one version, the first applies and the others find another version.
    setIfVersion: `UPDATE ${t} SET value = ?, expires_at = ? WHERE ${KEY} AND ${live} AND ${VERSION} = ?`,
    deleteAny: `DELETE FROM ${t} WHERE ${KEY}`,
    deleteLiveIfVersion: `DELETE FROM ${t} WHERE ${KEY} AND ${live} AND ${VERSION} = ?`,
    deleteLive: `DELETE FROM ${t} WHERE ${KEY} AND ${live}`,
    // A concurrent second DELETE of the row waits for the first's lock, then finds nothing: one winner.
    takeReturning: `DELETE FROM ${t} WHERE ${KEY} RETURNING value, ${live} AS live`,
    selectForUpdate: `SELECT value FROM ${t} WHERE ${KEY} AND ${live} FOR UPDATE`,
    listFirst: `SELECT \`key\` FROM ${t} WHERE collection = ? AND ${live} ORDER BY \`key\` LIMIT `,
    listAfter: `SELECT \`key\` FROM ${t} WHERE collection = ? AND \`key\` > ? AND ${live} ORDER BY \`key\` LIMIT `,
    sweep: `DELETE FROM ${t} WHERE expires_at <= ? LIMIT `,
  };
}
