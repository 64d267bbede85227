export { GCS_URL_FORM, type ParsedGcsUrl, parseGcsUrl } from './connection-url';
export { descriptor } from './descriptor';
export { EXPIRES_AT_KEY } from './entry-metadata';
export { SOURCE } from './errors';
export { createGcsStore, GcsStore } from './gcs-store';
export { type GcsLifecycleRule, gcsLifecycleRule } from './lifecycle';
export { collectionPrefix, DEFAULT_PREFIX, maxKeyBytesFor, objectName } from './object-names';
export {
  DEFAULT_MAX_VALUE_BYTES,
  DEFAULT_REQUEST_TIMEOUT_MS,
  DEFAULT_TIMEOUT_MS,
  type GcsStoreOptions,
} from './options';
