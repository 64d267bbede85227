import { ConfigurationError } from '@oauth-store/core';
import { commanderFor, type RedisCommander } from './commander';
import type { OwnedTarget } from './connection-url';

const SOURCE = 'redis';
/** Longest pause between reconnection attempts of a client the store created. */
const MAX_RECONNECT_DELAY_MS = 1_000;

type NodeRedis = Pick<typeof import('redis'), 'createClient' | 'createCluster'>;

function isMissing(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND';
}

/**
 * node-redis' client package: `@redis/client` (the client alone) when installed, else `redis` (which bundles it with
 * the bloom, JSON, search and time-series modules the store does not use).
 */
async function importNodeRedis(): Promise<NodeRedis> {
  try {
    return (await import('@redis/client')) as unknown as NodeRedis;
  } catch (error) {
    if (!isMissing(error)) throw error;
  }
  try {
    return await import('redis');
  } catch (error) {
    throw new ConfigurationError(
      'the `url` and `clusterUrls` options create a node-redis client, and neither `@redis/client` nor `redis` is installed. Run `npm install @redis/client` (or `npm install redis`), or pass your own node-redis or ioredis client as `client`.',
      { source: SOURCE, cause: isMissing(error) ? undefined : error },
    );
  }
}

function destroyQuietly(client: { destroy(): void }) {
  try {
    client.destroy();
  } catch {
    // Already closed, or never opened: nothing left to release.
  }
}

/** Closes gracefully when connected (pending replies still arrive), else drops the socket; never waits long. */
async function closeBounded(client: { isReady?: boolean; close(): Promise<unknown>; destroy(): void }, ms: number) {
  if (client.isReady === false) {
    destroyQuietly(client);
    return;
  }
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => resolve('late'), ms);
  });
  try {
    if ((await Promise.race([client.close(), late])) === 'late') destroyQuietly(client);
  } catch {
    destroyQuietly(client);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Creates the node-redis client (or cluster client) the store owns: no offline queue (commands during an outage
 * fail at once instead of piling up and running minutes later), a connect timeout equal to the command timeout, and
 * quick, capped reconnection so the same store works again as soon as the server is back.
 */
export async function createOwnedCommander(target: OwnedTarget, commandTimeoutMs: number): Promise<RedisCommander> {
  const redis = await importNodeRedis();
  const socket = {
    connectTimeout: commandTimeoutMs,
    reconnectStrategy: (retries: number) => Math.min(50 * 2 ** retries, MAX_RECONNECT_DELAY_MS),
  };
  // node-redis emits connection errors as events; with no listener Node's EventEmitter would throw them and crash the
  // process. Operations report them anyway, as typed `unavailable` errors.
  const ignore = () => {};
  try {
    if ('url' in target) {
      const client = redis.createClient({ url: target.url, disableOfflineQueue: true, socket });
      client.on('error', ignore);
      return commanderFor(client, {
        connect: async () => {
          await client.connect();
        },
        close: () => closeBounded(client, commandTimeoutMs),
      });
    }
    const [first] = target.clusterUrls;
    const parsed = new URL(first as string);
    const cluster = redis.createCluster({
      rootNodes: target.clusterUrls.map((url) => ({ url })),
      // Nodes found by discovery get `defaults`, not the root URLs: carry credentials and TLS over to them.
      defaults: {
        disableOfflineQueue: true,
        ...(parsed.username ? { username: decodeURIComponent(parsed.username) } : {}),
        ...(parsed.password ? { password: decodeURIComponent(parsed.password) } : {}),
        socket: parsed.protocol === 'rediss:' ? { ...socket, tls: true as const } : socket,
      },
    });
    cluster.on('error', ignore);
    return commanderFor(cluster, {
      connect: async () => {
        await cluster.connect();
      },
      close: () => closeBounded(cluster, commandTimeoutMs),
    });
  } catch (error) {
    if (error instanceof ConfigurationError) throw error;
    // The message of a URL parse error can echo the URL, and with it a password: say what is wrong, not the input.
    throw new ConfigurationError(
      'could not create the Redis client from the given URL. Use redis://[[user]:password@]host[:port][/db] (or rediss:// for TLS).',
      { source: SOURCE },
    );
  }
}
