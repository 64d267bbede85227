// Framework-specific fixes shared by several findings: where each framework keeps the state and keys that every
// instance behind a load balancer must share.
import type { Framework } from './framework';

/** Per-framework fixes of a finding (frameworks without a specific fix are left out). */
export type FrameworkFixes = Partial<Record<Framework, string>>;

/** One shared store AND one stable key: the two halves every multi-instance deployment needs. */
export const SHARED_STORE_AND_KEY: FrameworkFixes = {
  'mcp-sdk':
    "Your OAuthServerProvider keeps clients, codes and tokens in its own process (the SDK example's DemoInMemoryAuthProvider uses Maps). Back `clientsStore` with a shared store (`createClientsStore` from @oauth-store/mcp-sdk) and codes and tokens with a TransactionStore (@oauth-store/core); when the store is encrypted (@oauth-store/envelope), every instance must load the same key (one key file, secret or KMS key), never one generated at start-up.",
  fastmcp:
    'Pass `tokenStorage: createTokenStorage(store)` (@oauth-store/fastmcp) on a shared store to `new OAuthProxy(...)` AND set `encryptionKey` to one secret every instance shares: fastmcp\'s default is a random key per process, so a shared store still looks empty to the other instances (each logs "Failed to decrypt value"). Use `encryptionKey: false` when @oauth-store/envelope encrypts the store. Set the same `jwtSigningKey` and `consentSigningKey` on every instance too.',
  'fastmcp-python':
    'Give `OAuthProxy(...)` a shared `client_storage` (a py-key-value store such as RedisStore) and, if you wrap it in FernetEncryptionWrapper, the same Fernet key on every instance; set the same `jwt_signing_key` everywhere.',
  'oidc-provider':
    'Configure an `adapter` on a shared store (`createOidcAdapter` from @oauth-store/oidc-provider) instead of the default in-memory adapter, and the same `jwks` and `cookies.keys` on every instance.',
  'better-auth':
    'Point every instance at one shared `database` (and `secondaryStorage`, for example `createSecondaryStorage` from @oauth-store/better-auth), with the same `secret` (BETTER_AUTH_SECRET) everywhere.',
};

/** One signing key (and one token store) for every instance: a token issued by one must verify on all. */
export const SHARED_SIGNING_KEY: FrameworkFixes = {
  'mcp-sdk':
    '`verifyAccessToken` (and `exchangeRefreshToken`) must accept tokens any instance issued: keep tokens in the shared store, or sign JWTs with one key every instance loads from configuration, not one generated at start-up.',
  fastmcp:
    'Set `jwtSigningKey` (and `consentSigningKey`) on `new OAuthProxy(...)` to one secret shared by every instance: without it each process generates its own, and a token issued by one instance gets 401 on the others. The token mappings live in `tokenStorage`, which must be shared too, with one `encryptionKey`.',
  'fastmcp-python':
    'Set `jwt_signing_key` on OAuthProxy to the same value on every instance, and share `client_storage` (the token mappings live there).',
  'oidc-provider':
    'Give every instance the same `jwks` (signing keys) and `cookies.keys`, and a shared `adapter` (opaque access and refresh tokens and grants are stored there).',
  'better-auth':
    'Use the same `secret` (BETTER_AUTH_SECRET) on every instance and one shared database (the jwt plugin keeps its signing keys there).',
};

/** Client ID Metadata Documents resolved once per fleet in the shared store, and advertised in the metadata. */
export const CIMD_ON_SHARED_STORE: FrameworkFixes = {
  'mcp-sdk':
    "With @oauth-store/mcp-sdk and @oauth-store/cimd: `clientsStore: createCimdClientsStore({ resolver: new CimdClientResolver({ store, clients }), clients })` in your provider, and `app.use(advertiseCimd())` before `mcpAuthRouter(...)`, which adds `client_id_metadata_document_supported: true` to the metadata (neither SDK line's router has an option for it). Works with @modelcontextprotocol/sdk 1.x and @modelcontextprotocol/server-legacy 2.x.",
  fastmcp:
    "With @oauth-store/fastmcp and @oauth-store/cimd: `new OAuthProxy({ ...settings, tokenStorage: createTokenStorage(store, { cimd: new CimdClientResolver({ store }) }), enableCimd: false })` and advertise it in `oauth.authorizationServer`: `{ ...proxy.getAuthorizationServerMetadata(), clientIdMetadataDocumentSupported: true }` (fastmcp's own `enableCimd: true` fetches every document per process).",
};
