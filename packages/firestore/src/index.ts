export { FIRESTORE_URL_FORM, type ParsedFirestoreUrl, parseFirestoreUrl } from './connection-url';
export { descriptor } from './descriptor';
export { mapFirestoreError } from './errors';
export {
  collectionId,
  DEFAULT_ENTRIES_COLLECTION,
  DEFAULT_ROOT_COLLECTION,
  EXPIRES_AT_FIELD,
  keyFromId,
  keyId,
  MAX_COLLECTION_BYTES,
  MAX_KEY_BYTES,
  MAX_VALUE_BYTES,
  VALUE_FIELD,
} from './layout';
export { DEFAULT_TIMEOUT_MS, type FirestoreStoreOptions } from './options';
export { createFirestoreStore, FirestoreStore } from './store';
