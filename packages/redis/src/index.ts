export type {
  IoRedisLike,
  IoRedisOptionsLike,
  NodeRedisClientLike,
  NodeRedisClusterLike,
  NodeRedisCommandOptions,
  RedisClientLike,
} from './client-types';
export { type ParsedRedisUrl, parseRedisUrl, REDIS_SCHEMES, REDIS_URL_FORM } from './connection-url';
export {
  DEFAULT_BUCKETS,
  DEFAULT_COMMAND_TIMEOUT_MS,
  DEFAULT_KEY_PREFIX,
  DEFAULT_MAX_VALUE_BYTES,
  type RedisStoreOptions,
  type ResolvedRedisStoreOptions,
} from './options';
export {
  createRedisStore,
  descriptor,
  REDIS_MAX_COLLECTION_BYTES,
  REDIS_MAX_KEY_BYTES,
  RedisStore,
} from './redis-store';
