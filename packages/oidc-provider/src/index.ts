export { createOidcAdapter } from './adapter';
export { ConsumeRefusedError } from './consume-error';
export { DEFAULT_OIDC_PREFIX, type OidcAdapterOptions } from './options';
export { oidcSecretKeyCollections } from './secret-keys';
export type { OidcAdapter, OidcAdapterFactory, OidcAdapterPayload } from './types';
