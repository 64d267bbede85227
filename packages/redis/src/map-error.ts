import { ConfigurationError, isOAuthStoreError, type OAuthStoreError, StoreUnavailableError } from '@oauth-store/core';

const SOURCE = 'redis';

/** The error's class name (node-redis does not set `name` on its errors, so `name` alone says just "Error"). */
function className(error: Error): string {
  const name = error.constructor?.name;
  return name && name !== 'Error' && name !== 'Object' ? name : typeof error.name === 'string' ? error.name : 'Error';
}

/** node-redis `ErrorReply` (and its subclasses) or ioredis `ReplyError`: an error the server sent back. */
function isReplyError(error: Error): boolean {
  for (
    let proto = Object.getPrototypeOf(error);
    proto && proto !== Error.prototype;
    proto = Object.getPrototypeOf(proto)
  ) {
    const name = (proto as { constructor?: { name?: string } }).constructor?.name;
    if (name === 'ErrorReply' || name === 'ReplyError') return true;
  }
  return error.name === 'ReplyError';
}

/** The code of a server error reply: its first word (ERR, WRONGTYPE, NOSCRIPT, OOM, NOPERM, ...). */
function replyPrefix(error: unknown): string | undefined {
  if (!(error instanceof Error) || !isReplyError(error)) return undefined;
  return /^[A-Z]+/.exec(error.message)?.[0] ?? 'ERR';
}

/**
 * A stand-in for the library error, safe to keep as `cause`: only its name and code. The originals must not travel:
 * ioredis attaches the command's arguments (keys are codes and tokens; values are stored data) to its errors, and
 * some server replies echo arguments too ("unknown command ... with args beginning with ...").
 */
function sanitized(error: unknown, code: string | undefined): Error {
  const name = typeof error === 'object' && error !== null ? className(error as Error) : typeof error;
  const errno = (error as { code?: unknown } | null)?.code;
  const detail = code ?? (typeof errno === 'string' ? errno : undefined);
  const stand = new Error(detail ? `${name} ${detail}` : name);
  stand.name = name;
  return stand;
}

/** True when the server does not have the script cached (EVALSHA must fall back to EVAL). */
export function isNoScript(error: unknown): boolean {
  return replyPrefix(error) === 'NOSCRIPT' || (error instanceof Error && error.message.includes('NOSCRIPT'));
}

/** Turns a node-redis or ioredis error into a typed error whose message and cause carry no key or value. */
export function mapRedisError(error: unknown, operation: string): OAuthStoreError {
  if (isOAuthStoreError(error)) return error;
  const prefix = replyPrefix(error);
  const cause = sanitized(error, prefix);
  const message = prefix && error instanceof Error ? error.message : '';
  if (prefix === 'WRONGTYPE') {
    return new ConfigurationError(
      `${operation} found a Redis key of another type under this store's prefix: something else writes there. Give each app or deployment its own \`keyPrefix\`.`,
      { source: SOURCE, cause },
    );
  }
  if (prefix === 'NOAUTH' || prefix === 'WRONGPASS') {
    return new ConfigurationError(
      `${operation} was refused: the server did not accept the credentials (${prefix}). Check the user name and password in the URL or the client's options.`,
      { source: SOURCE, cause },
    );
  }
  if (prefix === 'NOPERM') {
    return new ConfigurationError(
      `${operation} was refused by the server (${prefix}). The Redis user needs PING, GET, SET, GETDEL, ZADD, EVAL/EVALSHA and the commands the scripts run (GETRANGE, EXISTS, DEL, ZREM, ZRANGEBYLEX, ZRANDMEMBER) on the key prefix.`,
      { source: SOURCE, cause },
    );
  }
  if (prefix && /unknown command|Unknown Redis command|syntax error/i.test(message)) {
    return new ConfigurationError(
      `${operation} needs Redis 6.2 or newer (GETDEL, SET PXAT, ZRANDMEMBER). Upgrade the server.`,
      { source: SOURCE, cause },
    );
  }
  if (prefix === 'OOM') {
    return new StoreUnavailableError(
      `${operation} was refused: the Redis server is out of memory (maxmemory). Free memory or raise maxmemory; the operation can be retried.`,
      { source: SOURCE, cause },
    );
  }
  return new StoreUnavailableError(
    `${operation} failed (${cause.message}). Check that Redis is reachable; the operation can be retried.`,
    { source: SOURCE, cause },
  );
}

const TLS_CODE = /^(ERR_SSL_|ERR_TLS_|CERT_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_)/;

/**
 * A connection-level failure seen by `ready()`, named by its cause: refused or timed out (`unavailable`: start the
 * server, or wait), host name or TLS trouble (`configuration`: fix the URL or the certificates). Undefined for errors
 * that are not about the connection (server replies go through {@link mapRedisError}).
 */
export function describeConnectionError(error: unknown): OAuthStoreError | undefined {
  // Not `instanceof Error`: socket errors come from Node's own realm, which differs from the caller's under a test
  // runner's VM context.
  if (typeof error !== 'object' || error === null) return undefined;
  const code = (error as { code?: unknown }).code;
  const name = className(error as Error);
  const cause = sanitized(error, undefined);
  if (code === 'ECONNREFUSED') {
    return new StoreUnavailableError(
      'ready: nothing accepts connections at the Redis address (connection refused). Start Redis, or fix the host and port.',
      { source: SOURCE, cause },
    );
  }
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EAI_NONAME') {
    return new ConfigurationError(`ready: the Redis host name does not resolve (${code}). Fix the host in the URL.`, {
      source: SOURCE,
      cause,
    });
  }
  if (typeof code === 'string' && TLS_CODE.test(code)) {
    return new ConfigurationError(
      `ready: the TLS handshake with Redis failed (${code}). Check rediss:// against the server's TLS setup and the CA certificates.`,
      { source: SOURCE, cause },
    );
  }
  if (code === 'ETIMEDOUT' || code === 'ECONNRESET' || code === 'EHOSTUNREACH' || name === 'ConnectionTimeoutError') {
    return new StoreUnavailableError(
      `ready: the connection to Redis failed (${typeof code === 'string' ? code : name}). Check that the server is up and reachable.`,
      { source: SOURCE, cause },
    );
  }
  if (name === 'RootNodesUnavailableError') {
    return new StoreUnavailableError(
      'ready: none of the Redis Cluster nodes in the URL answered. Check the node addresses and that the cluster is up.',
      { source: SOURCE, cause },
    );
  }
  return undefined;
}
