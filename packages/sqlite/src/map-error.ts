import {
  ConfigurationError,
  describeBackendError,
  type OAuthStoreError,
  StoreUnavailableError,
} from '@oauth-store/core';

const SOURCE = 'sqlite';

/** A short, value-free reading of an SQLite error. The message is read here to classify it, never copied out. */
function classify(error: unknown): { code: string; advice?: string } {
  const code = String((error as { code?: unknown })?.code ?? '');
  const message = String((error as { message?: unknown })?.message ?? '');
  if (/no such table/i.test(message)) {
    return { code, advice: 'the table does not exist. Call migrate() once, or apply the SQL from migrationSql().' };
  }
  if (/no such column|has no column/i.test(message)) {
    return { code, advice: 'the table has other columns than this package expects. Use a table created by migrate().' };
  }
  if (code.startsWith('SQLITE_CANTOPEN') || /unable to open/i.test(message)) {
    return { code, advice: 'the database file cannot be opened. Check that its directory exists and is writable.' };
  }
  if (code.startsWith('SQLITE_READONLY') || code.startsWith('SQLITE_PERM') || code.startsWith('SQLITE_AUTH')) {
    return { code, advice: 'the database is read-only or access is denied. Check the file permissions or the token.' };
  }
  if (code.startsWith('SQLITE_NOTADB') || code.startsWith('SQLITE_CORRUPT')) {
    return {
      code,
      advice: 'the file is not a healthy SQLite database. Check the path; restore from a backup if needed.',
    };
  }
  return { code };
}

/**
 * Turns an SQLite / libSQL error into a typed one whose message carries only the error's name and code, never
 * SQLite's message (which can quote values). `SQLITE_BUSY` (another process held the write lock past the busy timeout),
 * I/O failures and network failures are `unavailable`.
 */
export function mapSqliteError(error: unknown, operation: string): OAuthStoreError {
  const { advice } = classify(error);
  const described = describeBackendError(error);
  if (advice)
    return new ConfigurationError(`${operation} failed (${described}): ${advice}`, { source: SOURCE, cause: error });
  const busy = /^SQLITE_BUSY|^SQLITE_LOCKED/.test(String((error as { code?: unknown })?.code ?? ''));
  return new StoreUnavailableError(
    busy
      ? `${operation} failed (${described}): another connection held the database's write lock for longer than the busy timeout.`
      : `${operation} failed (${described}). The database could not be reached or did not answer.`,
    { source: SOURCE, cause: error },
  );
}

/**
 * True when `error` proves the statement was not applied. On a local database every error comes from the SQLite
 * engine, which undoes a failed statement as a whole (statement journal / autocommit rollback); over the network
 * (Turso, sqld) only an error the server answered with (an SQLite code) proves it.
 */
export function sqliteNotApplied(error: unknown): boolean {
  const code = (error as { code?: unknown })?.code;
  return typeof code === 'string' && /^SQLITE_/.test(code);
}
