import {
  ConfigurationError,
  isOAuthStoreError,
  type OAuthStoreError,
  type StoreOperation,
  StoreUnavailableError,
} from '@oauth-store/core';

const SOURCE = 'redis';

/** The error's class name (node-redis does not set `name` on its errors, so `name` alone says just "Error"). */
function className(error: Error): string {
  const name = error.constructor?.name;
  return name && name !== 'Error' ? name : error.name;
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
  const name = error instanceof Error ? className(error) : typeof error;
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
export function mapRedisError(error: unknown, operation: StoreOperation): OAuthStoreError {
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
  if (prefix === 'NOPERM' || prefix === 'NOAUTH' || prefix === 'WRONGPASS') {
    return new ConfigurationError(
      `${operation} was refused by the server (${prefix}). The Redis user needs GET, EVAL/EVALSHA and the commands the scripts run (SET, GETDEL, DEL, ZADD, ZREM, ZRANGEBYLEX, ZRANGEBYSCORE, ZMSCORE, TIME) on the key prefix.`,
      { source: SOURCE, cause },
    );
  }
  if (prefix && /unknown command|Unknown Redis command|syntax error/i.test(message)) {
    return new ConfigurationError(
      `${operation} needs Redis 6.2 or newer (GETDEL, SET PXAT, ZMSCORE). Upgrade the server.`,
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
