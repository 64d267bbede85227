export type {
  IoRedisLike,
  NodeRedisClientLike,
  NodeRedisClusterLike,
  NodeRedisCommandOptions,
  RedisClientLike,
} from './client-types';
export {
  DEFAULT_BUCKETS,
  DEFAULT_COMMAND_TIMEOUT_MS,
  DEFAULT_KEY_PREFIX,
  DEFAULT_MAX_VALUE_BYTES,
  type RedisStoreOptions,
  type ResolvedRedisStoreOptions,
} from './options';
export { createRedisStore, REDIS_MAX_COLLECTION_BYTES, REDIS_MAX_KEY_BYTES } from './redis-store';
