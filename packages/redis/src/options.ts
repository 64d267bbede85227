import { ConfigurationError } from '@oauth-store/core';
import type { RedisClientLike } from './client-types';
import { type OwnedTarget, parseRedisUrl } from './connection-url';

/** Options of {@link createRedisStore}. Give exactly one of `client`, `url` or `clusterUrls`. */
export interface RedisStoreOptions {
  /**
   * A client you created and connected: node-redis v5 or v6 `createClient()` / `createCluster()`, or ioredis v5
   * `new Redis(url, { autoResendUnfulfilledCommands: false })` / `new Cluster(nodes, { retryDelayOnFailover: 0 })`
   * (an ioredis client that resends commands after a reconnection is refused). The store never closes it; you do,
   * after `store.close()`.
   */
  client?: RedisClientLike;
  /**
   * A connection string, the same grammar as the CLI's (docs/cli.md):
   * `redis://[user:password@]host:port[/db][?prefix=app:&timeout=2000]` (`rediss://` for TLS), or
   * `redis+cluster://[user:password@]host1:port1,host2:port2[?prefix=&timeout=]` (`rediss+cluster://`). The store
   * creates and owns a node-redis client. `prefix` and `timeout` set `keyPrefix` and `commandTimeoutMs` (giving both
   * a parameter and the option with different values is a configuration error).
   */
  url?: string;
  /** Root node URLs of a Redis Cluster; the store creates and owns a node-redis cluster client. */
  clusterUrls?: string[];
  /**
   * Prepended to every Redis key, so several deployments (or apps) can share one Redis. Default `oauth-store:`.
   * May not contain `{` or `}` (they would change the Cluster hash tag).
   */
  keyPrefix?: string;
  /**
   * Upper bound in milliseconds for each operation, including waiting for a (re)connection. Past it the operation
   * rejects with `StoreUnavailableError` (code `unavailable`). Default 2000.
   */
  commandTimeoutMs?: number;
  /**
   * Index buckets per collection (1 to 256). Each collection's entries and list index are spread over this many hash
   * slots, so one busy collection does not sit on a single Cluster master; `list` reads every bucket per page.
   * Part of the key layout: keep it fixed for the life of the data. Default 16.
   */
  buckets?: number;
  /** Largest value accepted, in bytes (at most 512 MiB, Redis' string limit). Default 1 MiB. */
  maxValueBytes?: number;
}

/** Options after defaults and validation. */
export interface ResolvedRedisStoreOptions {
  /** Where a client the store creates connects; undefined when a `client` was given. */
  target: OwnedTarget | undefined;
  /** See {@link RedisStoreOptions.keyPrefix}. */
  keyPrefix: string;
  /** See {@link RedisStoreOptions.commandTimeoutMs}. */
  commandTimeoutMs: number;
  /** See {@link RedisStoreOptions.buckets}. */
  buckets: number;
  /** See {@link RedisStoreOptions.maxValueBytes}. */
  maxValueBytes: number;
}

/** Default key prefix. */
export const DEFAULT_KEY_PREFIX = 'oauth-store:';
/** Default per-operation time bound in milliseconds. */
export const DEFAULT_COMMAND_TIMEOUT_MS = 2_000;
/** Default number of index buckets per collection. */
export const DEFAULT_BUCKETS = 16;
/** Default largest value in bytes. */
export const DEFAULT_MAX_VALUE_BYTES = 1024 * 1024;
const MAX_BUCKETS = 256;
const REDIS_MAX_STRING_BYTES = 512 * 1024 * 1024;
const MAX_PREFIX_BYTES = 256;
const SOURCE = 'redis';

function integerIn(name: string, value: unknown, min: number, max: number, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
    throw new ConfigurationError(`\`${name}\` must be an integer from ${min} to ${max}, got ${String(value)}.`, {
      source: SOURCE,
    });
  }
  return value;
}

/** The value of a connection-string parameter or of the option naming the same thing; both, if different, is an error. */
function fromUrlOrOption<T>(
  parameter: string,
  option: string,
  inUrl: T | undefined,
  given: T | undefined,
): T | undefined {
  if (inUrl !== undefined && given !== undefined && inUrl !== given) {
    throw new ConfigurationError(
      `the connection string's \`?${parameter}=\` and the \`${option}\` option disagree. Give one of them.`,
      { source: SOURCE },
    );
  }
  return inUrl ?? given;
}

/** Applies defaults and checks every option; throws {@link ConfigurationError} saying what to fix. */
export function resolveOptions(options: RedisStoreOptions): ResolvedRedisStoreOptions {
  if (options === null || typeof options !== 'object') {
    throw new ConfigurationError('options must be an object with `client`, `url` or `clusterUrls`.', {
      source: SOURCE,
    });
  }
  const given = (['client', 'url', 'clusterUrls'] as const).filter((name) => options[name] !== undefined);
  if (given.length !== 1) {
    throw new ConfigurationError(
      given.length === 0
        ? 'give one of `client` (a node-redis or ioredis client), `url` or `clusterUrls`.'
        : `give only one of \`client\`, \`url\` and \`clusterUrls\` (got ${given.join(' and ')}).`,
      { source: SOURCE },
    );
  }
  const fromUrl = options.url !== undefined ? parseRedisUrl(options.url) : undefined;
  if (
    options.clusterUrls !== undefined &&
    (!Array.isArray(options.clusterUrls) ||
      options.clusterUrls.length === 0 ||
      !options.clusterUrls.every((url) => typeof url === 'string' && url.length > 0))
  ) {
    throw new ConfigurationError('`clusterUrls` must be a non-empty array of redis:// URLs of cluster nodes.', {
      source: SOURCE,
    });
  }
  const keyPrefix = fromUrlOrOption('prefix', 'keyPrefix', fromUrl?.keyPrefix, options.keyPrefix) ?? DEFAULT_KEY_PREFIX;
  if (typeof keyPrefix !== 'string' || /[{}]/.test(keyPrefix) || Buffer.byteLength(keyPrefix) > MAX_PREFIX_BYTES) {
    throw new ConfigurationError(
      `\`keyPrefix\` must be a string of at most ${MAX_PREFIX_BYTES} bytes without \`{\` or \`}\` (braces would change the Redis Cluster hash tag).`,
      { source: SOURCE },
    );
  }
  return {
    target: fromUrl?.target ?? (options.clusterUrls ? { clusterUrls: options.clusterUrls } : undefined),
    keyPrefix,
    commandTimeoutMs: integerIn(
      'commandTimeoutMs',
      fromUrlOrOption('timeout', 'commandTimeoutMs', fromUrl?.commandTimeoutMs, options.commandTimeoutMs),
      1,
      600_000,
      DEFAULT_COMMAND_TIMEOUT_MS,
    ),
    buckets: integerIn('buckets', options.buckets, 1, MAX_BUCKETS, DEFAULT_BUCKETS),
    maxValueBytes: integerIn(
      'maxValueBytes',
      options.maxValueBytes,
      1,
      REDIS_MAX_STRING_BYTES,
      DEFAULT_MAX_VALUE_BYTES,
    ),
  };
}
