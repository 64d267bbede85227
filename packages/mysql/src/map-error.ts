import {
  ConfigurationError,
  describeBackendError,
  type OAuthStoreError,
  StoreUnavailableError,
} from '@oauth-store/core';

const SOURCE = 'mysql';

/** Server errors that retrying cannot fix: the database is set up or configured wrongly. */
const CONFIGURATION_CODES: Record<string, string> = {
  ER_NO_SUCH_TABLE: 'the table does not exist. Call migrate() once, or apply the SQL from migrationSql() / the README.',
  ER_BAD_FIELD_ERROR:
    'the table exists but has other columns than this package expects. Use a table created by migrate().',
  ER_TABLEACCESS_DENIED_ERROR:
    "the database user lacks a privilege. Grant SELECT, INSERT, UPDATE, DELETE on the store's table (and CREATE for migrate()).",
  ER_DBACCESS_DENIED_ERROR: 'the database user may not use this database. Check the database name and the grants.',
  ER_ACCESS_DENIED_ERROR: 'authentication failed. Check the user and password of the connection.',
  ER_ACCESS_DENIED_NO_PASSWORD_ERROR: 'authentication failed. Check the user and password of the connection.',
  ER_BAD_DB_ERROR: 'the database does not exist. Check the database name of the connection.',
  ER_NO_DB_ERROR: 'no database is selected. Put the database in the URL: mysql://user@host:3306/DATABASE.',
  ER_PARSE_ERROR: 'the server did not accept this SQL. MySQL 8.0+ or MariaDB 10.6+ is required.',
  ER_NOT_SUPPORTED_YET: 'the server does not support this SQL. MySQL 8.0+ or MariaDB 10.6+ is required.',
  ER_NET_PACKET_TOO_LARGE:
    "a value is larger than the server's max_allowed_packet. Raise max_allowed_packet or lower maxValueBytes.",
};

/**
 * Turns a mysql2 error into a typed one. The message carries only the error's name and code, never the server's
 * message, which can echo parameter values such as keys ("Duplicate entry '...'"). Connection failures, timeouts, lock
 * waits and anything unrecognised are {@link StoreUnavailableError}s.
 */
export function mapMysqlError(error: unknown, operation: string): OAuthStoreError {
  const code = error && typeof error === 'object' ? (error as { code?: unknown }).code : undefined;
  const described = describeBackendError(error);
  const advice = typeof code === 'string' ? CONFIGURATION_CODES[code] : undefined;
  if (advice) {
    return new ConfigurationError(`${operation} failed (${described}): ${advice}`, { source: SOURCE, cause: error });
  }
  return new StoreUnavailableError(
    `${operation} failed (${described}). MySQL could not be reached or did not answer in time.`,
    { source: SOURCE, cause: error },
  );
}

/** Node.js errnos of a connection that was never established: no statement can have been sent on it. */
const NEVER_CONNECTED = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

/**
 * True when `error` proves the statement was not applied: the connection was never made, or the server answered the
 * statement with an error on a connection that is still usable (`fatal` false). InnoDB rolls back a failed statement
 * as a whole, and every statement of this package runs alone (autocommit) or in a transaction that is then discarded.
 */
export function mysqlNotApplied(error: unknown): boolean {
  if (!error || typeof error !== 'object') return false;
  const { code, errno, sqlState, fatal } = error as {
    code?: unknown;
    errno?: unknown;
    sqlState?: unknown;
    fatal?: unknown;
  };
  if (typeof code === 'string' && NEVER_CONNECTED.has(code)) return true;
  return typeof errno === 'number' && typeof sqlState === 'string' && fatal !== true;
}
