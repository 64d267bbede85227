/**
 * The smallest structural views of the two Redis clients this package drives. They are structural on purpose: the
 * published types must not import `redis` or `ioredis`, which are optional peers (an app installs one of them).
 */

/** What this package uses of a node-redis v5 or v6 client (`createClient()` from `redis` or `@redis/client`). */
export interface NodeRedisClientLike {
  /** The options the client was created with (read for `disableOfflineQueue`). */
  readonly options?: { readonly disableOfflineQueue?: boolean };
  /** Sends a raw command. */
  sendCommand(args: Array<string | Buffer>, options?: NodeRedisCommandOptions): Promise<unknown>;
  /** True between `connect()` and `close()`/`destroy()`. */
  readonly isOpen: boolean;
  /** True while the connection is up and ready for commands. */
  readonly isReady: boolean;
  /** Subscribes to client events (`ready`, `error`, ...). */
  on(event: string, listener: (...args: unknown[]) => void): unknown;
  /** Unsubscribes from client events. */
  off(event: string, listener: (...args: unknown[]) => void): unknown;
}

/** What this package uses of a node-redis v5 or v6 cluster client (`createCluster()` from `redis`). */
export interface NodeRedisClusterLike {
  /** The options the cluster was created with (read for `defaults.disableOfflineQueue`). */
  readonly _options?: { readonly defaults?: { readonly disableOfflineQueue?: boolean } };
  /** Subscribes to client events (`error`, ...). */
  on(event: string, listener: (...args: unknown[]) => void): unknown;
  /** Unsubscribes from client events. */
  off(event: string, listener: (...args: unknown[]) => void): unknown;
  /** Sends a raw command to the node that owns `firstKey`'s slot, following MOVED/ASK redirections. */
  sendCommand(
    firstKey: string | Buffer | undefined,
    isReadonly: boolean | undefined,
    args: Array<string | Buffer>,
    options?: NodeRedisCommandOptions,
  ): Promise<unknown>;
  /** True between `connect()` and `close()`/`destroy()`. */
  readonly isOpen: boolean;
  /** The cluster's master nodes (also how a cluster client is told apart from a plain client). */
  readonly masters: unknown[];
}

/** The node-redis command options this package passes. */
export interface NodeRedisCommandOptions {
  /** Aborts the command if it has not been written to the socket yet. */
  abortSignal?: AbortSignal;
  /** Maps RESP types to JavaScript types; used to receive bulk strings as Buffers. */
  typeMapping?: Record<number, unknown>;
}

/** What this package uses of an ioredis v5 client (`new Redis()`) or cluster client (`new Cluster()`). */
export interface IoRedisLike {
  /** Sends a raw command and returns bulk strings as Buffers (on Cluster, routed by the command's first key). */
  callBuffer(command: string, ...args: Array<string | Buffer | number>): Promise<unknown>;
  /** Connection state: `ready`, `connecting`, `reconnecting`, `wait` (lazyConnect), `end`, ... */
  readonly status: string;
  /** True for `Cluster` instances. */
  readonly isCluster: boolean;
  /** The options it was created with: read to refuse a client that would resend commands after a reconnect. */
  readonly options?: IoRedisOptionsLike;
  /** The socket of a standalone client (checked to be writable before a command is handed over). */
  readonly stream?: { readonly writable?: boolean };
  /** Starts the connection of a `lazyConnect` client. */
  connect(): Promise<void>;
  /** Subscribes to client events (`ready`, `error`, ...). */
  once(event: string, listener: (...args: unknown[]) => void): unknown;
  /** Unsubscribes from client events. */
  off(event: string, listener: (...args: unknown[]) => void): unknown;
}

/** The ioredis options the store checks (standalone `Redis` and `Cluster` options in one view). */
export interface IoRedisOptionsLike {
  /** Standalone: resend commands in flight when the connection broke, after reconnecting (default true). */
  readonly autoResendUnfulfilledCommands?: boolean;
  /** Cluster: send a command again, after this delay, when its node connection closed (default 100). */
  readonly retryDelayOnFailover?: number;
  /** Cluster: reconnection strategy of node connections (default none: nodes are not reconnected). */
  readonly clusterNodeRetryStrategy?: unknown;
  /** Cluster: options of every node connection. */
  readonly redisOptions?: { readonly autoResendUnfulfilledCommands?: boolean };
}

/** A Redis client the store can use: node-redis client or cluster, or ioredis `Redis` or `Cluster`. */
export type RedisClientLike = NodeRedisClientLike | NodeRedisClusterLike | IoRedisLike;
