export * from './dpop-nonces';
export * from './pushed-authorization-requests';
export * from './refresh-token-families';
export * from './replay-cache';
export { DEFAULT_TOKENS_PREFIX, type TokenStoreOptions } from './shared-options';
export * from './signing-key-material';
export * from './signing-keyring';
