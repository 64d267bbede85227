import { ConfigurationError } from '@oauth-store/core';

/** The connection-string grammar of this package, shared by the factory, the descriptor and the CLI. */
export const MYSQL_URL_FORM =
  'mysql://user[:pass]@host[:3306]/database?table=&timeout=&ssl=true&takeStrategy= (mariadb:// too)';

/** What a connection string says: where to connect, and the store options it carries. */
export interface ParsedMysqlUrl {
  host: string;
  port: number;
  user?: string;
  password?: string;
  database: string;
  /** `ssl=true`: TLS with the server certificate verified against Node's CA store. */
  ssl: boolean;
  table?: string;
  timeoutMs?: number;
  takeStrategy?: 'auto' | 'delete-returning' | 'locking-read';
}

function bad(message: string): ConfigurationError {
  return new ConfigurationError(`${message} Expected ${MYSQL_URL_FORM}.`, { source: 'mysql' });
}

/**
 * Parses `mysql://` and `mariadb://` connection strings. Throws a `configuration` error that says what is wrong, never
 * echoing the string (it may hold a password). An empty or missing string says so (the usual cause: an unset variable).
 */
export function parseMysqlUrl(text: unknown): ParsedMysqlUrl {
  if (typeof text !== 'string' || text.trim() === '') {
    throw new ConfigurationError(
      `no connection string: the url is ${text === undefined ? 'undefined' : 'empty'} (is the environment variable set?). Pass url, for example mysql://app:secret@db.internal:3306/app.`,
      { source: 'mysql' },
    );
  }
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(text)?.[1]?.toLowerCase();
  if (scheme !== 'mysql' && scheme !== 'mariadb') {
    throw bad(scheme ? `the scheme "${scheme.slice(0, 20)}" is not MySQL's.` : 'the connection string has no scheme.');
  }
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw bad('the connection string is not a valid URL (percent-encode special characters in the password).');
  }
  if (!url.hostname) throw bad('the connection string has no host.');
  const database = decodeURIComponent(url.pathname.replace(/^\//, ''));
  if (!database || database.includes('/')) throw bad('the connection string names no database (the path).');
  const port = url.port ? Number(url.port) : 3306;
  const params = url.searchParams;
  const known = new Set(['table', 'timeout', 'ssl', 'takeStrategy']);
  for (const name of params.keys()) {
    // Not echoed: a mistyped URL can put anything in a parameter name.
    if (!known.has(name)) throw bad(`an unknown parameter (known: ${[...known].join(', ')}).`);
  }
  const timeout = params.get('timeout');
  let timeoutMs: number | undefined;
  if (timeout !== null) {
    timeoutMs = Number(timeout);
    if (!Number.isSafeInteger(timeoutMs) || timeoutMs <= 0) throw bad('"timeout" must be a positive integer (ms).');
  }
  const ssl = params.get('ssl');
  if (ssl !== null && ssl !== 'true' && ssl !== 'false') throw bad('"ssl" must be true or false.');
  const takeStrategy = params.get('takeStrategy');
  if (takeStrategy !== null && !['auto', 'delete-returning', 'locking-read'].includes(takeStrategy)) {
    throw bad('"takeStrategy" must be auto, delete-returning or locking-read.');
  }
  const table = params.get('table');
  return {
    host: url.hostname.replace(/^\[(.*)\]$/, '$1'),
    port,
    ...(url.username ? { user: decodeURIComponent(url.username) } : {}),
    ...(url.password ? { password: decodeURIComponent(url.password) } : {}),
    database,
    ssl: ssl === 'true',
    ...(table ? { table } : {}),
    ...(timeoutMs !== undefined ? { timeoutMs } : {}),
    ...(takeStrategy ? { takeStrategy: takeStrategy as ParsedMysqlUrl['takeStrategy'] } : {}),
  };
}
