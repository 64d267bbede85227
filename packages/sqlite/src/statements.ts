import { quoteIdentifier } from './identifiers';

const live = '(expires_at IS NULL OR expires_at > ?)';
/** Bytes 9..24 of the stored frame, the write's version (`substr` counts BLOB bytes from 1). */
const VERSION = 'substr(value, 10, 16)';
const KEY = 'collection = ? AND key = ?';

/**
 * Every statement the store sends; each is one statement, and SQLite runs every writing statement under the
 * database's single write lock (taken before it reads), so each is atomic across connections and processes.
 */
export interface Statements {
  /** collection, key, now -> value of a live row. */
  get: string;
  /** collection, key, value, expires_at -> upsert. */
  set: string;
  /** collection, key, value, expires_at, now -> a row when inserted or an expired row was replaced. */
  setIfAbsent: string;
  /** value, expires_at, collection, key, now, version -> a row when the live row had that version. */
  setIfVersion: string;
  /** collection, key, now -> the deleted row's `live` flag. */
  delete: string;
  /** collection, key, version, now -> the deleted row's `live` flag, only when it had that version. */
  deleteIfVersion: string;
  /** collection, key, now -> the deleted row's value and `live` flag. */
  take: string;
  /** collection, now, limit -> keys in byte order. */
  listFirst: string;
  /** collection, cursor, now, limit -> keys after the cursor. */
  listAfter: string;
  /** now, batch size -> deletes a batch of expired rows, returning one row each. */
  sweep: string;
}

/** Builds the statements for one table. */
export function statements(table: string): Statements {
  const t = quoteIdentifier('table', table);
  const upsert = `INSERT INTO ${t} (collection, key, value, expires_at) VALUES (?, ?, ?, ?)
ON CONFLICT (collection, key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at`;
  return {
    get: `SELECT value FROM ${t} WHERE ${KEY} AND ${live}`,
    set: upsert,
    setIfAbsent: `${upsert} WHERE ${t}.expires_at IS NOT NULL AND ${t}.expires_at <= ? RETURNING 1 AS written`,
    setIfVersion: `UPDATE ${t} SET value = ?, expires_at = ? WHERE ${KEY} AND ${live} AND ${VERSION} = ? RETURNING 1 AS written`,
    // Expired rows are deleted too (cleanup), but only a live one counts as deleted.
    delete: `DELETE FROM ${t} WHERE ${KEY} RETURNING ${live} AS live`,
    deleteIfVersion: `DELETE FROM ${t} WHERE ${KEY} AND ${VERSION} = ? RETURNING ${live} AS live`,
    take: `DELETE FROM ${t} WHERE ${KEY} RETURNING value, ${live} AS live`,
    listFirst: `SELECT key FROM ${t} WHERE collection = ? AND ${live} ORDER BY key LIMIT ?`,
    listAfter: `SELECT key FROM ${t} WHERE collection = ? AND key > ? AND ${live} ORDER BY key LIMIT ?`,
    sweep: `DELETE FROM ${t} WHERE rowid IN (SELECT rowid FROM ${t} WHERE expires_at <= ? LIMIT ?) RETURNING 1`,
  };
}
