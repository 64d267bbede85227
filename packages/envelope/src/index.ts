export {
  type DataKeyCacheOptions,
  DEFAULT_DATA_KEY_MAX_AGE_MS,
  DEFAULT_DATA_KEY_MAX_RECORDS,
  DEFAULT_MAX_UNWRAPPED_KEYS,
  MAX_RECORDS_PER_DATA_KEY,
} from './data-key-cache';
export { withEnvelopeEncryption } from './envelope-store';
export {
  ENVELOPE_FORMAT_VERSION,
  ENVELOPE_MAGIC,
  type EnvelopeInfo,
  envelopeOverhead,
  inspectEnvelope,
  MAX_ENVELOPE_OVERHEAD,
  READABLE_FORMAT_VERSIONS,
} from './format';
export { HASHED_KEY_LENGTH, KEY_HASH_INFO, KEY_HASH_SALT } from './key-hash';
export { DEFAULT_REFRESH_INTERVAL_MS, type KeyStatus } from './key-manager';
export { type EnvKeySourceOptions, envKeySource } from './key-sources/env-key-source';
export { type FileKeySourceOptions, fileKeySource, KEY_FILE_WARNING_CODE } from './key-sources/file-key-source';
export {
  fingerprintKid,
  KID_FINGERPRINT_INFO,
  keyringMaterialFromSecret,
  type SecretFormat,
  type SecretKeyOptions,
} from './key-sources/secret-format';
export {
  createKeyring,
  type EnvelopeKeyringMaterial,
  isKeyring,
  type Keyring,
  type RetiredKeyVersion,
} from './keyring';
export type { EnvelopeOptions, EnvelopeStore } from './options';
export {
  DEFAULT_JOURNAL_COLLECTION,
  DEFAULT_SKIP_EXPIRING_WITHIN_MS,
  type RewrapCounts,
  type RewrapOptions,
  type RewrapProgress,
  type RewrapResult,
  rewrap,
} from './rewrap';
export { DATA_KEY_LABEL, WRAP_KEY_LABEL } from './seal';
export { DEK_HKDF_INFO, DEK_HKDF_SALT } from './seal-v1';
