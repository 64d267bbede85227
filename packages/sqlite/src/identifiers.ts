import { ConfigurationError } from '@oauth-store/core';

/**
 * Checks a table name and returns it double-quoted for SQL (embedded quotes doubled, so the name can never end the
 * identifier and inject SQL). Names starting with `sqlite_` are SQLite's own and refused.
 */
export function quoteIdentifier(kind: string, name: unknown): string {
  if (typeof name !== 'string' || name.length === 0 || name.length > 128) {
    throw new ConfigurationError(`the ${kind} name must be a string of 1 to 128 characters.`, { source: 'sqlite' });
  }
  if (name.includes('\u0000') || !name.isWellFormed()) {
    throw new ConfigurationError(`the ${kind} name contains NUL or a lone UTF-16 surrogate; use plain Unicode.`, {
      source: 'sqlite',
    });
  }
  if (/^sqlite_/i.test(name)) {
    throw new ConfigurationError(`the ${kind} name may not start with "sqlite_" (reserved by SQLite).`, {
      source: 'sqlite',
    });
  }
  return `"${name.replaceAll('"', '""')}"`;
}
