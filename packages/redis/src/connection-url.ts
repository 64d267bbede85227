import { ConfigurationError } from '@oauth-store/core';

/** Where a client the store creates connects: one server, or the root nodes of a Cluster. */
export type OwnedTarget = { url: string } | { clusterUrls: string[] };

/** A connection string split into the client's target and the store's own parameters. */
export interface ParsedRedisUrl {
  /** The server or Cluster nodes, as URLs node-redis understands (the store's parameters removed). */
  target: OwnedTarget;
  /** `?prefix=`: the key prefix. */
  keyPrefix?: string;
  /** `?timeout=`: the per-operation bound in ms. */
  commandTimeoutMs?: number;
}

/** The connection-string schemes this adapter opens (see docs/cli.md). */
export const REDIS_SCHEMES = ['redis', 'rediss', 'redis+cluster', 'rediss+cluster'] as const;
/** One line of documentation of the grammar. */
export const REDIS_URL_FORM =
  'redis://[user:password@]host:port[/db][?prefix=app:&timeout=2000] (rediss:// for TLS); redis+cluster://[user:password@]host1:port1,host2:port2[?prefix=&timeout=] (rediss+cluster:// for TLS)';

const SOURCE = 'redis';
const PARAMETERS = new Set(['prefix', 'timeout']);
const MAX_TIMEOUT_MS = 600_000;

function bad(message: string): ConfigurationError {
  // Never echo the string: it may hold a password.
  return new ConfigurationError(`${message} The form is ${REDIS_URL_FORM}.`, { source: SOURCE });
}

function storeParameters(params: URLSearchParams): Omit<ParsedRedisUrl, 'target'> {
  for (const name of params.keys()) {
    if (!PARAMETERS.has(name)) {
      throw bad(
        `the connection string has an unknown parameter "${name.slice(0, 32)}"; the Redis adapter reads only ?prefix= and ?timeout=.`,
      );
    }
  }
  const parsed: Omit<ParsedRedisUrl, 'target'> = {};
  const prefix = params.get('prefix');
  if (prefix !== null && prefix !== '') parsed.keyPrefix = prefix;
  const timeout = params.get('timeout');
  if (timeout !== null) {
    const value = Number(timeout);
    if (!/^\d+$/.test(timeout) || !Number.isSafeInteger(value) || value < 1 || value > MAX_TIMEOUT_MS) {
      throw bad(`the "timeout" parameter must be an integer number of milliseconds from 1 to ${MAX_TIMEOUT_MS}.`);
    }
    parsed.commandTimeoutMs = value;
  }
  return parsed;
}

/**
 * Parses a Redis connection string: `redis://` / `rediss://` for one server (user, password, db as node-redis reads
 * them), `redis+cluster://` / `rediss+cluster://` for a Cluster (comma-separated `host:port` root nodes; credentials
 * before the first host apply to every node). `?prefix=` and `?timeout=` are the store's; any other parameter is a
 * configuration error (a misspelt `prefix` would otherwise silently write under the default prefix).
 */
export function parseRedisUrl(text: string): ParsedRedisUrl {
  if (typeof text !== 'string' || text.length === 0) throw bad('`url` must be a non-empty connection string.');
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(text)?.[1]?.toLowerCase();
  if (!scheme || !(REDIS_SCHEMES as readonly string[]).includes(scheme)) {
    throw bad('`url` must start with redis://, rediss://, redis+cluster:// or rediss+cluster://.');
  }
  if (scheme.endsWith('+cluster')) {
    const rest = text.slice(scheme.length + 3);
    const queryAt = rest.indexOf('?');
    const hostPart = (queryAt === -1 ? rest : rest.slice(0, queryAt)).replace(/\/+$/, '');
    const params = new URLSearchParams(queryAt === -1 ? '' : rest.slice(queryAt + 1));
    const at = hostPart.lastIndexOf('@');
    const credentials = at === -1 ? '' : `${hostPart.slice(0, at)}@`;
    const hosts = (at === -1 ? hostPart : hostPart.slice(at + 1)).split(',').filter(Boolean);
    if (hosts.length === 0 || !hosts.every((host) => /^(\[[0-9a-f:.]+\]|[^\s/:@[\]]+):\d+$/i.test(host))) {
      throw bad(`${scheme}:// needs a comma-separated list of host:port nodes.`);
    }
    const nodeScheme = scheme === 'rediss+cluster' ? 'rediss' : 'redis';
    return {
      target: { clusterUrls: hosts.map((host) => `${nodeScheme}://${credentials}${host}`) },
      ...storeParameters(params),
    };
  }
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw bad(`the ${scheme}:// connection string is not a valid URL.`);
  }
  if (!url.hostname) throw bad(`${scheme}:// needs a host.`);
  const parameters = storeParameters(url.searchParams);
  url.search = '';
  return { target: { url: url.href }, ...parameters };
}
