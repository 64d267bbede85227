/**
 * The smallest structural views of the two Redis clients this package drives. They are structural on purpose: the
 * published types must not import `redis` or `ioredis`, which are optional peers (an app installs one of them).
 */

/** What this package uses of a node-redis v5 client (`createClient()` from `redis`). */
export interface NodeRedisClientLike {
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

/** What this package uses of a node-redis v5 cluster client (`createCluster()` from `redis`). */
export interface NodeRedisClusterLike {
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
  /** Starts the connection of a `lazyConnect` client. */
  connect(): Promise<void>;
  /** Subscribes to client events (`ready`, `error`, ...). */
  once(event: string, listener: (...args: unknown[]) => void): unknown;
  /** Unsubscribes from client events. */
  off(event: string, listener: (...args: unknown[]) => void): unknown;
}

/** A Redis client the store can use: node-redis client or cluster, or ioredis `Redis` or `Cluster`. */
export type RedisClientLike = NodeRedisClientLike | NodeRedisClusterLike | IoRedisLike;
