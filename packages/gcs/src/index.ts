export { EXPIRES_AT_KEY, WRITE_ID_KEY } from './entry-metadata';
export { SOURCE } from './errors';
export { GcsStore } from './gcs-store';
export { type GcsLifecycleRule, gcsLifecycleRule } from './lifecycle';
export { collectionPrefix, DEFAULT_PREFIX, maxKeyBytesFor, objectName } from './object-names';
export {
  DEFAULT_MAX_VALUE_BYTES,
  DEFAULT_OPERATION_TIMEOUT_MS,
  DEFAULT_REQUEST_TIMEOUT_MS,
  type GcsStoreOptions,
} from './options';
