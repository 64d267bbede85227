import { ConfigurationError, StoreUnavailableError } from '@oauth-store/core';
import type { IoRedisLike, NodeRedisClientLike, NodeRedisClusterLike, RedisClientLike } from './client-types';

/**
 * The few things the store needs from a Redis client, the same for node-redis and ioredis, standalone and Cluster.
 * Every reply comes back with bulk strings as Buffers (values are bytes, not text).
 */
export interface RedisCommander {
  /** Which client library and topology, for messages and tests. */
  readonly kind: 'node-redis' | 'node-redis-cluster' | 'ioredis' | 'ioredis-cluster';
  /**
   * Resolves once the connection can take commands; rejects when `signal` aborts first. Commands are only handed to
   * the client when it is ready, so a command that fails during an outage was never queued and never runs later.
   */
  ready(signal: AbortSignal): Promise<void>;
  /**
   * True when the client can take a command right now, so {@link RedisCommander.ready} would resolve at once. Checked
   * first on every operation: the common, connected case then costs a property read instead of a promise and an
   * abort listener.
   */
  isReady(): boolean;
  /** Sends one command; `routingKey` (the command's first key) picks the Cluster node. */
  send(routingKey: string | Buffer, args: Array<string | Buffer>, signal: AbortSignal): Promise<unknown>;
  /** Closes the client when the store created it; leaves a caller's client alone. */
  close(): Promise<void>;
}

const SOURCE = 'redis';
// RESP_TYPES.BLOB_STRING of node-redis: the `$` byte of the protocol. Mapping it to Buffer returns bulk strings as
// bytes; a constant here so that using a caller's client does not require importing `redis` ourselves.
const BLOB_STRING = 36;
const AS_BUFFERS = { [BLOB_STRING]: Buffer };

/** Resolves when `isReady()` or when `event` fires; rejects with the signal's reason when it aborts first. */
function waitForEvent(
  emitter: { once?: IoRedisLike['once']; on?: NodeRedisClientLike['on']; off(e: string, l: () => void): unknown },
  event: string,
  isReady: () => boolean,
  signal: AbortSignal,
): Promise<void> {
  if (isReady()) return Promise.resolve();
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise((resolve, reject) => {
    const onEvent = () => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    };
    const onAbort = () => {
      emitter.off(event, onEvent);
      reject(signal.reason);
    };
    if (emitter.once) emitter.once(event, onEvent);
    else emitter.on?.(event, onEvent);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

function isIoRedis(client: RedisClientLike): client is IoRedisLike {
  return typeof (client as Partial<IoRedisLike>).callBuffer === 'function';
}

function isNodeRedisCluster(client: RedisClientLike): client is NodeRedisClusterLike {
  return 'masters' in client && typeof (client as Partial<NodeRedisClusterLike>).sendCommand === 'function';
}

function isNodeRedisClient(client: RedisClientLike): client is NodeRedisClientLike {
  return typeof (client as Partial<NodeRedisClientLike>).sendCommand === 'function' && 'isReady' in client;
}

/** Hooks for a client the store created itself. */
export interface OwnedClientHooks {
  /** Starts (or restarts, after a failed attempt) the first connection. */
  connect(): Promise<void>;
  /** Closes the client. */
  close(): Promise<void>;
}

/**
 * Wraps a node-redis client or cluster, or an ioredis client or cluster, in a {@link RedisCommander}.
 * `owned` is given when the store created the client: the store then connects it on first use and closes it.
 */
export function commanderFor(client: RedisClientLike, owned?: OwnedClientHooks): RedisCommander {
  if (client === null || typeof client !== 'object') {
    throw new ConfigurationError('`client` must be a node-redis or ioredis client instance.', { source: SOURCE });
  }
  let connecting: Promise<void> | undefined;
  // True once the owned client's first connection succeeded (a Cluster client has no `isReady` to ask instead).
  let connected = false;
  const connectOnce = (): Promise<void> => {
    if (!owned) return Promise.resolve();
    connecting ??= owned.connect().then(
      () => {
        connected = true;
      },
      (error) => {
        // Forget the failed attempt so the next operation tries again.
        connecting = undefined;
        throw error;
      },
    );
    return connecting;
  };
  const raceConnect = (signal: AbortSignal): Promise<void> => {
    const attempt = connectOnce();
    if (signal.aborted) return Promise.reject(signal.reason);
    return new Promise((resolve, reject) => {
      const onAbort = () => reject(signal.reason);
      signal.addEventListener('abort', onAbort, { once: true });
      attempt.then(
        () => {
          signal.removeEventListener('abort', onAbort);
          resolve();
        },
        (error) => {
          signal.removeEventListener('abort', onAbort);
          reject(error);
        },
      );
    });
  };
  const close = async () => {
    if (owned) await owned.close();
  };
  // A client the store created starts connecting right away, without making anyone wait: the first operations find
  // it ready instead of paying for the connection (and, if Redis is down, they wait at most their own bound).
  if (owned) connectOnce().catch(() => {});

  if (isIoRedis(client)) {
    return {
      kind: client.isCluster ? 'ioredis-cluster' : 'ioredis',
      isReady: () => client.status === 'ready',
      async ready(signal) {
        if (client.status === 'ready') return;
        if (client.status === 'end') {
          throw new StoreUnavailableError(
            'the ioredis client has ended (quit() was called, or it gave up reconnecting). Give the store a connected client.',
            { source: SOURCE },
          );
        }
        // A lazyConnect client that nobody connected yet: start it, as its first command would.
        if (client.status === 'wait') client.connect().catch(() => {});
        await waitForEvent(client, 'ready', () => client.status === 'ready', signal);
      },
      send(routingKey, args, _signal) {
        // ioredis routes by the command's key positions, which it knows for GET and EVALSHA/EVAL.
        void routingKey;
        const [command, ...rest] = args;
        return client.callBuffer(command as string, ...rest);
      },
      close,
    };
  }

  if (isNodeRedisCluster(client)) {
    return {
      kind: 'node-redis-cluster',
      isReady: () => (owned ? connected : client.isOpen),
      async ready(signal) {
        if (owned) await raceConnect(signal);
        else if (!client.isOpen) {
          throw new ConfigurationError(
            'the node-redis cluster client is not open. Call `await cluster.connect()` before using the store.',
            { source: SOURCE },
          );
        }
      },
      send(routingKey, args, signal) {
        // A fresh options object per call: node-redis writes the slot number into it.
        return client.sendCommand(routingKey, false, args, { abortSignal: signal, typeMapping: AS_BUFFERS });
      },
      close,
    };
  }

  if (isNodeRedisClient(client)) {
    return {
      kind: 'node-redis',
      // Ready implies open, and for an owned client that its connection succeeded: nothing left to wait for.
      isReady: () => client.isReady,
      async ready(signal) {
        if (owned) await raceConnect(signal);
        else if (!client.isOpen) {
          throw new ConfigurationError(
            'the node-redis client is not open. Call `await client.connect()` before using the store.',
            { source: SOURCE },
          );
        }
        await waitForEvent(client, 'ready', () => client.isReady, signal);
      },
      send(_routingKey, args, signal) {
        return client.sendCommand(args, { abortSignal: signal, typeMapping: AS_BUFFERS });
      },
      close,
    };
  }

  throw new ConfigurationError(
    '`client` is neither a node-redis (redis v5) nor an ioredis (v5) client. Pass `createClient()`/`createCluster()` from `redis`, or `new Redis()`/`new Cluster()` from `ioredis`.',
    { source: SOURCE },
  );
}
