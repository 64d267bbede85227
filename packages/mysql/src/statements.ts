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
  /** collection, key, now -> deletes the row if it has expired (a conditional create clearing the way). */
  deleteExpired: string;
  /** collection, key, value, expires_at -> a plain INSERT (conditional create): fails with ER_DUP_ENTRY on a row. */
  insert: string;
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
  return {
    get: `SELECT value FROM ${t} WHERE ${KEY} AND ${live}`,
    set: `${insert} ON DUPLICATE KEY UPDATE value = VALUES(value), expires_at = VALUES(expires_at)`,
    // Conditional create: see MysqlDriver's #create for why this is not INSERT ... ON DUPLICATE KEY UPDATE.
    deleteExpired: `DELETE FROM ${t} WHERE ${KEY} AND expires_at IS NOT NULL AND expires_at <= ?`,
    insert,
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
