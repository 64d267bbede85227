import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ConfigurationError } from '@oauth-store/core';

/** The connection-string grammar of this package, shared by the factory, the descriptor and the CLI. */
export const SQLITE_URL_FORM =
  'sqlite:./file.db or sqlite:/abs/file.db (?table=&timeout=&busyTimeout=), sqlite::memory: (one process), libsql://db-org.turso.io?authToken=&table= (Turso / sqld)';

/** What a connection string says. */
export interface ParsedSqliteUrl {
  /** `local` for a file or memory, `remote` for Turso / sqld. */
  kind: 'local' | 'remote';
  /** The URL handed to `@libsql/client` (`file:///abs/path`, `:memory:`, or the libsql:// URL without our parameters). */
  clientUrl: string;
  /** The local file's absolute path, when there is one. */
  path?: string;
  authToken?: string;
  table?: string;
  timeoutMs?: number;
  busyTimeoutMs?: number;
}

function bad(message: string): ConfigurationError {
  return new ConfigurationError(`${message} Expected ${SQLITE_URL_FORM}.`, { source: 'sqlite' });
}

function integer(params: URLSearchParams, name: string): number | undefined {
  const text = params.get(name);
  if (text === null) return undefined;
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value <= 0) throw bad(`"${name}" must be a positive integer (ms).`);
  return value;
}

/**
 * Parses `sqlite:` and `libsql://` connection strings. Throws a `configuration` error saying what is wrong, never
 * echoing the string (a Turso URL holds a token).
 */
export function parseSqliteUrl(text: unknown): ParsedSqliteUrl {
  if (typeof text !== 'string' || text.trim() === '') {
    throw new ConfigurationError(
      `no connection string: the url is ${text === undefined ? 'undefined' : 'empty'} (is the environment variable set?). Pass url, for example sqlite:./oauth-store.db.`,
      { source: 'sqlite' },
    );
  }
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(text)?.[1]?.toLowerCase();
  if (scheme === 'sqlite') {
    const rest = text.slice('sqlite:'.length);
    const queryAt = rest.indexOf('?');
    const location = (queryAt === -1 ? rest : rest.slice(0, queryAt)).replace(/^\/\/(?=\/)/, '');
    const params = new URLSearchParams(queryAt === -1 ? '' : rest.slice(queryAt + 1));
    for (const name of params.keys()) {
      // Not echoed: a mistyped URL can put anything in a parameter name.
      if (!['table', 'timeout', 'busyTimeout'].includes(name))
        throw bad('an unknown parameter (known: table, timeout, busyTimeout).');
    }
    if (!location) throw bad('sqlite: needs a file path (or :memory:).');
    const options = {
      ...(params.get('table') ? { table: params.get('table') as string } : {}),
      ...(integer(params, 'timeout') !== undefined ? { timeoutMs: integer(params, 'timeout') } : {}),
      ...(integer(params, 'busyTimeout') !== undefined ? { busyTimeoutMs: integer(params, 'busyTimeout') } : {}),
    };
    if (location === ':memory:') return { kind: 'local', clientUrl: ':memory:', ...options };
    const path = isAbsolute(location) ? location : resolve(location);
    return { kind: 'local', clientUrl: pathToFileURL(path).href, path, ...options };
  }
  if (scheme === 'libsql') {
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      throw bad('the libsql:// connection string is not a valid URL.');
    }
    const params = url.searchParams;
    const authToken = params.get('authToken') ?? undefined;
    const table = params.get('table') ?? undefined;
    const timeoutMs = integer(params, 'timeout');
    for (const name of ['authToken', 'table', 'timeout']) params.delete(name);
    return {
      kind: 'remote',
      clientUrl: url.href,
      ...(authToken ? { authToken } : {}),
      ...(table ? { table } : {}),
      ...(timeoutMs !== undefined ? { timeoutMs } : {}),
    };
  }
  throw bad(scheme ? `the scheme "${scheme.slice(0, 20)}" is not SQLite's.` : 'the connection string has no scheme.');
}
