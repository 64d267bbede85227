export { type KeyvByteStoreOptions, type KeyvLike, keyvByteStore } from './keyv-byte-store';
export {
  KeyvOAuthStore,
  type KeyvOAuthStoreCapability,
  type KeyvOAuthStoreOptions,
  type KeyvOAuthStoreValue,
} from './keyv-oauth-store';
