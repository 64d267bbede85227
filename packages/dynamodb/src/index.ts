export { DYNAMODB_URL_FORM, type ParsedDynamoDbUrl, parseDynamoDbUrl } from './connection-url';
export { type CreateTableOptions, type CreateTableResult, createTable, tableDefinition } from './create-table';
export { descriptor } from './descriptor';
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
  VERSION_ATTRIBUTE,
} from './layout';
export { DEFAULT_REQUEST_TIMEOUT_MS, DEFAULT_TIMEOUT_MS, type DynamoDbStoreOptions } from './options';
export { createDynamoDbStore, DynamoDbStore } from './store';
