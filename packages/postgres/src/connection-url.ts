import { ConfigurationError } from '@oauth-store/core';

/** The connection-string grammar of this package, shared by the factories, the descriptor and the CLI. */
export const POSTGRES_URL_FORM =
  'postgres://user[:pass]@host:port/db?schema=&table=&timeout= (postgresql:// too; other parameters go to pg), pglite:./dir?schema=&table= (pglite: alone keeps it in memory)';

/** A parsed connection string: which driver, and the store options it carries. */
export type ParsedPostgresUrl =
  | { kind: 'pg'; connectionString: string; schema?: string; table?: string; timeoutMs?: number }
  | { kind: 'pglite'; dataDir?: string; schema?: string; table?: string; timeoutMs?: number };

function bad(message: string): ConfigurationError {
  return new ConfigurationError(`${message} Expected ${POSTGRES_URL_FORM}.`, { source: 'postgres' });
}

function timeoutParam(params: URLSearchParams): { timeoutMs?: number } {
  const text = params.get('timeout');
  if (text === null) return {};
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value <= 0) throw bad('the "timeout" parameter must be a positive integer (ms).');
  return { timeoutMs: value };
}

function nameParams(params: URLSearchParams): { schema?: string; table?: string } {
  const schema = params.get('schema');
  const table = params.get('table');
  return { ...(schema ? { schema } : {}), ...(table ? { table } : {}) };
}

/**
 * Parses `postgres://`, `postgresql://` and `pglite:` connection strings. Throws a `configuration` error that says what
 * is wrong, never echoing the string (it may hold a password). An empty or missing string says so: the usual cause is
 * an unset `DATABASE_URL`.
 */
export function parsePostgresUrl(text: unknown): ParsedPostgresUrl {
  if (typeof text !== 'string' || text.trim() === '') {
    throw new ConfigurationError(
      `no connection string: the url is ${text === undefined ? 'undefined' : 'empty'} (is DATABASE_URL set?). Pass url or connectionString, for example postgres://user:pass@db.internal:5432/app.`,
      { source: 'postgres' },
    );
  }
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(text)?.[1]?.toLowerCase();
  if (scheme === 'pglite') {
    const rest = text.slice('pglite:'.length);
    const queryAt = rest.indexOf('?');
    const dir = (queryAt === -1 ? rest : rest.slice(0, queryAt)).replace(/^\/\/(?=\/)/, '');
    const params = new URLSearchParams(queryAt === -1 ? '' : rest.slice(queryAt + 1));
    return { kind: 'pglite', ...(dir ? { dataDir: dir } : {}), ...nameParams(params), ...timeoutParam(params) };
  }
  if (scheme !== 'postgres' && scheme !== 'postgresql') {
    throw bad(
      scheme ? `the scheme "${scheme.slice(0, 20)}" is not PostgreSQL's.` : 'the connection string has no scheme.',
    );
  }
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw bad('the connection string is not a valid URL (percent-encode special characters in the password).');
  }
  const params = url.searchParams;
  const options = { ...nameParams(params), ...timeoutParam(params) };
  for (const name of ['schema', 'table', 'timeout']) params.delete(name);
  return { kind: 'pg', connectionString: url.href, ...options };
}
