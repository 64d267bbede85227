import { isOAuthStoreError, type OAuthClientInformationFull } from '@oauth-store/core';

/**
 * What the storage needs of `@oauth-store/cimd`'s `CimdClientResolver`. Structural, so this bridge does not depend on
 * another bridge (bridges take any store and import only core).
 */
export interface DocumentClientResolver {
  /** True when the id is resolved as a metadata document URL. */
  isDocumentClientId(clientId: string): boolean;
  /** The validated document; rejects with a `CimdResolutionError` when it cannot be accepted. */
  resolveDocument(clientId: string): Promise<OAuthClientInformationFull>;
}

/** The brand `@oauth-store/cimd` puts on its `CimdResolutionError` (`Symbol.for`, so every copy agrees). */
const CIMD_ERROR_BRAND = Symbol.for('@oauth-store/cimd.error');

/** True when `error` is a refused document from `@oauth-store/cimd` (as opposed to a store failure). */
export function isDocumentRefusal(error: unknown): boolean {
  return isOAuthStoreError(error) && (error as { [CIMD_ERROR_BRAND]?: unknown })[CIMD_ERROR_BRAND] === true;
}

/** The key prefix fastmcp 4.20's OAuthProxy stores clients under. */
export const CLIENT_KEY_PREFIX = 'client:';

/**
 * A resolved document in the shape fastmcp's OAuthProxy keeps clients in (its `ProxyDCRClient`, `source: 'cimd'`, so
 * it requires S256 PKCE from the client). `expiresAt` bounds how long fastmcp's per-process map keeps this copy before
 * asking the storage again; the shared cache behind the resolver decides when the document is really refetched.
 */
export function toFastMcpClient(client: OAuthClientInformationFull, localCacheMs: number, now: number) {
  const metadata: Record<string, string> = {};
  for (const field of ['client_name', 'client_uri', 'logo_uri', 'policy_uri', 'scope', 'tos_uri'] as const) {
    const value = client[field];
    if (typeof value === 'string') metadata[field] = value;
  }
  return {
    callbackUrl: client.redirect_uris[0],
    clientId: client.client_id,
    expiresAt: new Date(now + localCacheMs),
    metadata,
    redirectUris: client.redirect_uris,
    registeredAt: new Date(now),
    source: 'cimd' as const,
  };
}
