import type { OAuthClientProvider, OAuthDiscoveryState } from '@modelcontextprotocol/sdk/client/auth.js';
import type {
  OAuthClientInformationMixed,
  OAuthClientMetadata,
  OAuthTokens,
} from '@modelcontextprotocol/sdk/shared/auth.js';

/** The MCP client's own redirect URI. The demo never opens it: it reads the code off the redirect that points here. */
export const CLIENT_REDIRECT_URI = 'http://127.0.0.1:1/callback';

/**
 * The state one MCP client keeps during a login, in memory, as the SDK's `auth()` asks for it. Instead of opening a
 * browser, `redirectToAuthorization` records the URL for the demo to follow programmatically.
 */
export class DemoClientProvider implements OAuthClientProvider {
  #client: OAuthClientInformationMixed | undefined;
  #tokens: OAuthTokens | undefined;
  #verifier = '';
  #discovery: OAuthDiscoveryState | undefined;
  /** The last authorization URL `auth()` wanted the user sent to; the demo clears it once followed. */
  pendingAuthorization: URL | undefined;

  /**
   * @param clientMetadataUrl A Client ID Metadata Document URL to use as the client_id (no registration); absent
   *   registers with DCR. The SDK only offers CIMD by itself for `https` URLs; the demo serves its document over plain
   *   HTTP on loopback, so it presents the URL as already-known client information instead.
   */
  constructor(readonly clientMetadataUrl?: string) {
    if (clientMetadataUrl) this.#client = { client_id: clientMetadataUrl };
  }

  get redirectUrl(): string {
    return CLIENT_REDIRECT_URI;
  }

  get clientMetadata(): OAuthClientMetadata {
    return {
      client_name: 'oauth-store demo client',
      redirect_uris: [CLIENT_REDIRECT_URI],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      // A metadata document is public: a CIMD client has no shared secret.
      token_endpoint_auth_method: this.clientMetadataUrl ? 'none' : 'client_secret_post',
    };
  }

  clientInformation(): OAuthClientInformationMixed | undefined {
    return this.#client;
  }
  saveClientInformation(client: OAuthClientInformationMixed): void {
    this.#client = client;
  }
  tokens(): OAuthTokens | undefined {
    return this.#tokens;
  }
  saveTokens(tokens: OAuthTokens): void {
    this.#tokens = tokens;
  }
  redirectToAuthorization(url: URL): void {
    this.pendingAuthorization = url;
  }
  saveCodeVerifier(verifier: string): void {
    this.#verifier = verifier;
  }
  codeVerifier(): string {
    return this.#verifier;
  }
  saveDiscoveryState(state: OAuthDiscoveryState): void {
    this.#discovery = state;
  }
  discoveryState(): OAuthDiscoveryState | undefined {
    return this.#discovery;
  }
  invalidateCredentials(scope: 'all' | 'client' | 'tokens' | 'verifier' | 'discovery'): void {
    if (scope === 'all' || scope === 'client')
      this.#client = this.clientMetadataUrl ? { client_id: this.clientMetadataUrl } : undefined;
    if (scope === 'all' || scope === 'tokens') this.#tokens = undefined;
    if (scope === 'all' || scope === 'verifier') this.#verifier = '';
    if (scope === 'all' || scope === 'discovery') this.#discovery = undefined;
  }
}
