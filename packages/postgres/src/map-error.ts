import {
  ConfigurationError,
  describeBackendError,
  isOAuthStoreError,
  type OAuthStoreError,
  StoreUnavailableError,
} from '@oauth-store/core';

const SOURCE = 'postgres';

/** SQLSTATEs that retrying cannot fix: the database is set up or configured wrongly. */
const CONFIGURATION_STATES: Record<string, string> = {
  '42P01': 'the table does not exist. Call migrate() once, or apply the SQL from migrationSql() / the README.',
  '3F000': 'the schema does not exist. Call migrate() once, or apply the SQL from migrationSql() / the README.',
  '42703': 'the table exists but has other columns than this package expects. Use a table created by migrate().',
  '42804':
    'the table exists but its column types differ from what this package expects. Use a table created by migrate().',
  '42501':
    "the database role lacks a privilege. Grant SELECT, INSERT, UPDATE, DELETE on the store's table (and CREATE for migrate()).",
  '28000':
    "the server's pg_hba.conf has no entry allowing this user, database, host and SSL mode. Check the connection string's user, database and sslmode (or ask the DBA to allow them).",
  '28P01': 'authentication failed. Check the user and password of the connection.',
  '3D000': 'the database does not exist. Check the database name of the connection.',
};

/** Error name, code, and PostgreSQL's severity and routine: fields that never hold data, unlike message and detail. */
function sanitizedCause(error: unknown): Error {
  const cause = new Error(describeBackendError(error));
  if (error && typeof error === 'object') {
    for (const field of ['code', 'severity', 'routine', 'errno', 'syscall'] as const) {
      const value = (error as Record<string, unknown>)[field];
      if (typeof value === 'string' || typeof value === 'number') Object.assign(cause, { [field]: value });
    }
  }
  return cause;
}

/**
 * Turns a driver error into a typed one. The message carries only the error's name and code (SQLSTATE or a Node.js
 * errno), never the driver's message or detail, which can echo parameter values such as keys;
 * the `cause` is a sanitized copy for the same reason.
 * Connection failures, timeouts, shutdowns and anything unrecognised are {@link StoreUnavailableError}s.
 */
export function mapPostgresError(error: unknown, operation: string): OAuthStoreError {
  if (isOAuthStoreError(error)) return error;
  const code = error && typeof error === 'object' ? (error as { code?: unknown }).code : undefined;
  const described = describeBackendError(error);
  const advice = typeof code === 'string' ? CONFIGURATION_STATES[code] : undefined;
  if (advice) {
    return new ConfigurationError(`${operation} failed (${described}): ${advice}`, {
      source: SOURCE,
      cause: sanitizedCause(error),
    });
  }
  return new StoreUnavailableError(
    `${operation} failed (${described}). PostgreSQL could not be reached or did not answer in time.`,
    { source: SOURCE, cause: sanitizedCause(error) },
  );
}

/** Node.js errnos of a connection that was never established: no statement can have been sent on it. */
const NEVER_CONNECTED = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

/**
 * True when `error` proves the statement was not applied: the connection was never made, or PostgreSQL itself answered
 * with an ERROR (not FATAL or PANIC, which end the session and may race a commit). Every statement of this package
 * runs alone in its own implicit transaction, so a statement that failed with an ERROR was rolled back entirely.
 */
export function postgresNotApplied(error: unknown): boolean {
  if (!error || typeof error !== 'object') return false;
  const { code, severity, message } = error as { code?: unknown; severity?: unknown; message?: unknown };
  // pg-pool / pg could not even open a connection in time: the statement was still waiting for one. (The message is
  // only matched here, never copied into an error.)
  if (
    typeof message === 'string' &&
    /^(timeout exceeded when trying to connect|Connection terminated due to connection timeout)$/.test(message)
  ) {
    return true;
  }
  if (typeof code !== 'string') return false;
  if (NEVER_CONNECTED.has(code)) return true;
  // A SQLSTATE from the server's ErrorResponse; class 08 (connection exception) says nothing certain about the outcome.
  return /^[0-9A-Z]{5}$/.test(code) && !code.startsWith('08') && severity === 'ERROR';
}
