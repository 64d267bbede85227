export { type CreateTableOptions, type CreateTableResult, createTable, tableDefinition } from './create-table';
export {
  DEFAULT_LIST_SHARDS,
  EXPIRES_AT_ATTRIBUTE,
  LIST_INDEX_NAME,
  LIST_PARTITION_KEY,
  LIST_SORT_KEY,
  MAX_COLLECTION_BYTES,
  MAX_KEY_BYTES,
  MAX_VALUE_BYTES,
  PARTITION_KEY,
  TTL_ATTRIBUTE,
  VALUE_ATTRIBUTE,
} from './layout';
export type { DynamoDbStoreOptions } from './options';
export { DynamoDbStore } from './store';
