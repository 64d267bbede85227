import { ConfigurationError, StoreUnavailableError } from '@oauth-store/core';
import type { IoRedisLike, NodeRedisClientLike, NodeRedisClusterLike, RedisClientLike } from './client-types';
import { NotSent } from './not-sent';

/**
 * The few things the store needs from a Redis client, the same for node-redis and ioredis, standalone and Cluster.
 * Every reply comes back with bulk strings as Buffers (values are bytes, not text).
 */
export interface RedisCommander {
  /** Which client library and topology, for messages and tests. */
  readonly kind: 'node-redis' | 'node-redis-cluster' | 'ioredis' | 'ioredis-cluster';
  /**
   * Whether a command handed to the client must carry the operation's abort signal: true when the client keeps
   * commands it has not written yet across a reconnection (node-redis with its offline queue on), so the signal
   * withdraws them at the deadline instead of letting them run after the operation was reported failed.
   */
  readonly needsSignal: boolean;
  /**
   * True when the client can take a command right now. Checked first on every operation: the common, connected case
   * then costs a property read instead of a promise and an abort listener. Commands are only handed to a ready
   * client, so a command that fails during an outage was never queued and never runs later.
   */
  isReady(): boolean;
  /** Resolves once the connection can take commands; rejects when `signal` aborts first. */
  ready(signal: AbortSignal): Promise<void>;
  /**
   * Like {@link RedisCommander.ready}, but rejects with the first connection error (refused, unknown host, bad
   * password) instead of waiting for a reconnection: the store's `ready()` reports a dead server at once.
   */
  connectOrFail(signal: AbortSignal): Promise<void>;
  /** Sends one command; `routingKey` (the command's first key) picks the Cluster node. */
  send(routingKey: string | undefined, args: Array<string | Buffer>, signal: AbortSignal | undefined): Promise<unknown>;
  /** Closes the client when the store created it; leaves a caller's client alone. */
  close(): Promise<void>;
}

const SOURCE = 'redis';
// RESP_TYPES.BLOB_STRING of node-redis: the `$` byte of the protocol. Mapping it to Buffer returns bulk strings as
// bytes; a constant here so that using a caller's client does not require importing `redis` ourselves.
const BLOB_STRING = 36;
const AS_BUFFERS = { [BLOB_STRING]: Buffer };
const BUFFER_OPTIONS = Object.freeze({ typeMapping: AS_BUFFERS });

type Emitter = {
  once?: (event: string, listener: (...args: unknown[]) => void) => unknown;
  on?: (event: string, listener: (...args: unknown[]) => void) => unknown;
  off(event: string, listener: (...args: unknown[]) => void): unknown;
};

/**
 * Resolves when `isReady()` or when `event` fires; rejects with the signal's reason when it aborts first, and, when
 * `failOnError`, with the first `error` event the client emits meanwhile.
 */
function waitForEvent(
  emitter: Emitter,
  event: string,
  isReady: () => boolean,
  signal: AbortSignal,
  failOnError = false,
): Promise<void> {
  if (isReady()) return Promise.resolve();
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise((resolve, reject) => {
    const done = () => {
      emitter.off(event, onEvent);
      if (failOnError) emitter.off('error', onError);
      signal.removeEventListener('abort', onAbort);
    };
    const onEvent = () => {
      done();
      resolve();
    };
    const onError = (error: unknown) => {
      done();
      reject(error);
    };
    const onAbort = () => {
      done();
      reject(signal.reason);
    };
    if (emitter.once) emitter.once(event, onEvent);
    else emitter.on?.(event, onEvent);
    if (failOnError) emitter.on?.('error', onError);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** `promise`, or the signal's reason when it aborts first. */
export function raceAbort<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
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
 * Refuses an ioredis client configured to send a command again on its own after a connection broke: a take or a
 * conditional write whose response was lost would run a second time, or run after the store reported it failed.
 */
function assertNoResend(client: IoRedisLike): void {
  const options = client.options ?? {};
  if (client.isCluster) {
    const nodesResend =
      typeof options.clusterNodeRetryStrategy === 'function' &&
      options.redisOptions?.autoResendUnfulfilledCommands !== false;
    if (options.retryDelayOnFailover !== 0 || nodesResend) {
      throw new ConfigurationError(
        'this ioredis Cluster sends a command again when its node connection closes (`retryDelayOnFailover`, 100 ms by default), so a take or conditional write whose answer was lost could run twice. Create it with `new Cluster(nodes, { retryDelayOnFailover: 0 })` (and `redisOptions: { autoResendUnfulfilledCommands: false }` if you set `clusterNodeRetryStrategy`).',
        { source: SOURCE },
      );
    }
    return;
  }
  if (options.autoResendUnfulfilledCommands !== false) {
    throw new ConfigurationError(
      'this ioredis client resends the commands in flight when a connection breaks (`autoResendUnfulfilledCommands`, on by default), so a take or conditional write whose answer was lost could run twice, or after it was reported failed. Create it with `new Redis(url, { autoResendUnfulfilledCommands: false })`.',
      { source: SOURCE },
    );
  }
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
  const close = async () => {
    if (owned) await owned.close();
  };
  // A client the store created starts connecting right away, without making anyone wait: the first operations find
  // it ready instead of paying for the connection (and, if Redis is down, they wait at most their own bound).
  if (owned) connectOnce().catch(() => {});

  if (isIoRedis(client)) {
    assertNoResend(client);
    const standalone = !client.isCluster;
    const isReady = standalone
      ? // A socket that broke a moment ago is unwritable before ioredis leaves `ready`: a command handed over then
        // would wait in the offline queue and run after the reconnection, possibly after its operation was reported
        // failed.
        () => client.status === 'ready' && client.stream?.writable !== false
      : () => client.status === 'ready';
    const wait = async (signal: AbortSignal, failOnError: boolean) => {
      if (isReady()) return;
      if (client.status === 'end') {
        throw new StoreUnavailableError(
          'the ioredis client has ended (quit() was called, or it gave up reconnecting). Give the store a connected client.',
          { source: SOURCE },
        );
      }
      // A lazyConnect client that nobody connected yet: start it, as its first command would.
      if (client.status === 'wait') client.connect().catch(() => {});
      await waitForEvent(client as Emitter, 'ready', isReady, signal, failOnError);
    };
    return {
      kind: client.isCluster ? 'ioredis-cluster' : 'ioredis',
      needsSignal: false,
      isReady,
      ready: (signal) => wait(signal, false),
      connectOrFail: (signal) => wait(signal, true),
      send(_routingKey, args) {
        // ioredis routes by the command's key positions, which it knows for GET and EVALSHA/EVAL.
        const [command, ...rest] = args;
        return client.callBuffer(command as string, ...rest);
      },
      close,
    };
  }

  if (isNodeRedisCluster(client)) {
    const raceConnect = (signal: AbortSignal) => raceAbort(connectOnce(), signal);
    const ready = async (signal: AbortSignal) => {
      if (owned) await raceConnect(signal);
      else if (!client.isOpen) {
        throw new ConfigurationError(
          'the node-redis cluster client is not open. Call `await cluster.connect()` before using the store.',
          { source: SOURCE },
        );
      }
    };
    return {
      kind: 'node-redis-cluster',
      needsSignal: client._options?.defaults?.disableOfflineQueue !== true,
      isReady: () => (owned ? connected : client.isOpen),
      ready,
      connectOrFail: ready,
      send(routingKey, args, signal) {
        // A fresh options object per call: node-redis writes the slot number into it.
        return client.sendCommand(
          routingKey,
          false,
          args,
          signal ? { abortSignal: signal, typeMapping: AS_BUFFERS } : { typeMapping: AS_BUFFERS },
        );
      },
      close,
    };
  }

  if (isNodeRedisClient(client)) {
    const wait = async (signal: AbortSignal, failOnError: boolean) => {
      if (client.isReady) return;
      if (owned) {
        // A node-redis connect() retries by itself and only settles once connected; the error events tell sooner.
        const connectAttempt = raceAbort(connectOnce(), signal);
        await (failOnError
          ? Promise.race([connectAttempt, waitForEvent(client as Emitter, 'ready', () => client.isReady, signal, true)])
          : connectAttempt);
      } else if (!client.isOpen) {
        throw new ConfigurationError(
          'the node-redis client is not open. Call `await client.connect()` before using the store.',
          { source: SOURCE },
        );
      }
      await waitForEvent(client as Emitter, 'ready', () => client.isReady, signal, failOnError);
    };
    return {
      kind: 'node-redis',
      needsSignal: client.options?.disableOfflineQueue !== true,
      // Ready implies open, and for an owned client that its connection succeeded: nothing left to wait for.
      isReady: () => client.isReady,
      ready: (signal) => wait(signal, false),
      connectOrFail: (signal) => wait(signal, true),
      send(_routingKey, args, signal) {
        return client.sendCommand(args, signal ? { abortSignal: signal, typeMapping: AS_BUFFERS } : BUFFER_OPTIONS);
      },
      close,
    };
  }

  throw new ConfigurationError(
    '`client` is neither a node-redis (redis v5 or v6) nor an ioredis (v5) client. Pass `createClient()`/`createCluster()` from `redis`, or `new Redis()`/`new Cluster()` from `ioredis`.',
    { source: SOURCE },
  );
}

/** Sends through `commander` once it is ready; anything that fails before the command is handed over is {@link NotSent}. */
export function sendWhenReady(
  commander: RedisCommander,
  routingKey: string | undefined,
  args: Array<string | Buffer>,
  context: { readonly signal: AbortSignal },
): Promise<unknown> {
  // The context's signal costs an AbortController (created on first access): only asked for when the client needs it.
  if (commander.isReady()) return commander.send(routingKey, args, commander.needsSignal ? context.signal : undefined);
  const abort = context.signal;
  return commander.ready(abort).then(
    () => commander.send(routingKey, args, commander.needsSignal ? abort : undefined),
    (error: unknown) => {
      throw new NotSent(error);
    },
  );
}
