export { type DocumentClientResolver, isDocumentRefusal, toFastMcpClient } from './cimd-clients';
export {
  addressOf,
  FASTMCP_KEY_PREFIXES,
  type StoreAddress,
  UNPREFIXED_SUFFIX,
} from './key-mapping';
export {
  createTokenStorage,
  StoreTokenStorage,
  secretKeyCollections,
  type TokenStorageOptions,
} from './token-storage';
export type { FastMcpTokenStorage } from './token-storage-interface';
