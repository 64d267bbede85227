import {
  type AdapterDescriptor,
  type AdapterOpenOptions,
  ConfigurationError,
  isOAuthStoreError,
  type OAuthStoreError,
  RuntimeStore,
  StoreClosedError,
  StoreUnavailableError,
} from '@oauth-store/core';
import { commanderFor, raceAbort } from './commander';
import { REDIS_SCHEMES, REDIS_URL_FORM } from './connection-url';
import { describeConnectionError, mapRedisError } from './map-error';
import { type RedisStoreOptions, resolveOptions } from './options';
import { createOwnedCommander } from './owned-client';
import { RedisDriver } from './redis-driver';

export { REDIS_MAX_COLLECTION_BYTES, REDIS_MAX_KEY_BYTES } from './redis-driver';

const SOURCE = 'redis';

/** The bound of `ready()` ran out. */
class ReadyTimeout extends Error {}

/**
 * A `ByteStore` on Redis, standalone or Cluster, through node-redis v5/v6 or ioredis v5: the core runtime
 * (`RuntimeStore`) over a {@link RedisDriver}, plus {@link RedisStore.ready}.
 */
export class RedisStore extends RuntimeStore {
  readonly #driver: RedisDriver;

  /** Use {@link createRedisStore}. */
  constructor(driver: RedisDriver) {
    super(driver);
    this.#driver = driver;
  }

  /**
   * Checks that Redis answers: waits for the connection (failing at the first connection error instead of waiting for
   * a reconnection) and sends `PING`, within `commandTimeoutMs`. Call it at start-up so a dead or misconfigured
   * Redis stops the app there, not at its first request.
   *
   * Rejects with `StoreUnavailableError` (code `unavailable`) when nothing answers (connection refused, timeout) and
   * with `ConfigurationError` when the server refuses the credentials, the host name does not resolve, or TLS fails;
   * the message names the cause, never the URL (it may hold a password).
   */
  async ready(): Promise<void> {
    if (this.closed) {
      throw new StoreClosedError('ready called after close(). Create a new store.', { source: SOURCE });
    }
    const timeoutMs = this.#driver.timeoutMs;
    const commander = this.#driver.commander;
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(new ReadyTimeout()), timeoutMs);
    try {
      await commander.connectOrFail(controller.signal);
      await raceAbort(commander.send(undefined, ['PING'], controller.signal), controller.signal);
    } catch (error) {
      throw readyError(error, timeoutMs);
    } finally {
      clearTimeout(timer);
    }
  }
}

function readyError(error: unknown, timeoutMs: number): OAuthStoreError {
  if (error instanceof ReadyTimeout) {
    return new StoreUnavailableError(
      `ready: Redis did not answer within ${timeoutMs} ms (unreachable, firewalled, or too slow). Check the address and that the server is up.`,
      { source: SOURCE },
    );
  }
  if (isOAuthStoreError(error)) return error;
  return describeConnectionError(error) ?? mapRedisError(error, 'ready');
}

/**
 * Creates a store on Redis, standalone or Cluster, through node-redis v5/v6 or ioredis v5.
 *
 * Give it a client you created (`client`), or a connection string (`url`, the CLI's grammar, `?prefix=` and
 * `?timeout=` included) or `clusterUrls`, and it creates a node-redis client itself (imported lazily:
 * `@redis/client` or `redis` must be installed then). It does not wait for Redis: call `await store.ready()` at
 * start-up to check it answers. Every operation is bounded by `commandTimeoutMs` and fails with a
 * `StoreUnavailableError` (code `unavailable`) past it; the same store works again when the server is back.
 *
 * @example
 * ```ts
 * import { createRedisStore } from '@oauth-store/redis';
 * const store = await createRedisStore({ url: 'redis://127.0.0.1:6379?prefix=my-auth-server:' });
 * await store.ready();
 * ```
 */
export async function createRedisStore(options: RedisStoreOptions): Promise<RedisStore> {
  const resolved = resolveOptions(options);
  // Only ConfigurationErrors can come out of here (bad client, missing client package, unparsable URL).
  const commander = options.client
    ? commanderFor(options.client)
    : await createOwnedCommander(resolved.target as NonNullable<typeof resolved.target>, resolved.commandTimeoutMs);
  return new RedisStore(
    new RedisDriver(commander, {
      keyPrefix: resolved.keyPrefix,
      buckets: resolved.buckets,
      timeoutMs: resolved.commandTimeoutMs,
      maxValueBytes: resolved.maxValueBytes,
    }),
  );
}

/** Opens a store from a connection string and checks Redis answers; closes it again when it does not. */
async function open(connectionString: string, options: AdapterOpenOptions = {}): Promise<RedisStore> {
  if (typeof connectionString !== 'string') {
    throw new ConfigurationError(`a Redis connection string is required: ${REDIS_URL_FORM}.`, { source: SOURCE });
  }
  const store = await createRedisStore({
    url: connectionString,
    ...(options.timeoutMs !== undefined ? { commandTimeoutMs: options.timeoutMs } : {}),
  });
  try {
    await store.ready();
  } catch (error) {
    await store.close().catch(() => {});
    throw error;
  }
  return store;
}

/** The Redis adapter for the CLI, bench, soak and test harness registry. */
export const descriptor: AdapterDescriptor = {
  name: 'redis',
  schemes: REDIS_SCHEMES,
  install: ['@oauth-store/redis', '@redis/client'],
  urlForm: REDIS_URL_FORM,
  open,
  testServer: 'redis',
};
