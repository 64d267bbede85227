// The upstream identity provider of the fastmcp deployments: a real oidc-provider 9 on a loopback port with its
// development interactions (a login form taking any user name, then a consent form), which the doctor's automated
// login fills in as a user would. It issues refresh tokens, so the OAuth proxy can refresh.
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** The upstream client the OAuth proxies use. */
export interface UpstreamClient {
  id: string;
  secret: string;
}

/** A running identity provider. */
export interface OidcUpstream {
  authorizationEndpoint: string;
  tokenEndpoint: string;
  client: UpstreamClient;
  close(): Promise<void>;
}

/** oidc-provider prints production-readiness notices (development interactions, Node 20) a test wants silenced. */
async function quietly<T>(build: () => Promise<T>): Promise<T> {
  const { warn, info } = console;
  const filter =
    (original: (...args: unknown[]) => void) =>
    (...args: unknown[]) => {
      if (!String(args[0]).includes('oidc-provider')) original.apply(console, args);
    };
  console.warn = filter(warn);
  console.info = filter(info);
  try {
    return await build();
  } finally {
    console.warn = warn;
    console.info = info;
  }
}

/** Starts the provider with one confidential client whose callback is `redirectUri`. */
export async function startOidcUpstream(redirectUri: string): Promise<OidcUpstream> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const client = { id: 'mcp-oauth-proxy', secret: randomBytes(18).toString('base64url') };
  const provider = await quietly(async () => {
    const { default: Provider } = await import('oidc-provider');
    return new Provider(issuer, {
      clients: [
        {
          client_id: client.id,
          client_secret: client.secret,
          redirect_uris: [redirectUri],
          grant_types: ['authorization_code', 'refresh_token'],
          response_types: ['code'],
          token_endpoint_auth_method: 'client_secret_basic',
        },
      ],
      cookies: { keys: [randomBytes(24).toString('base64url')] },
      findAccount: async (_ctx, sub) => ({ accountId: sub, claims: async () => ({ sub }) }),
      features: { devInteractions: { enabled: true } },
      // A refresh token for every code, so the proxy can refresh without offline_access and prompt=consent.
      issueRefreshToken: async () => true,
      ttl: {
        AccessToken: 3600,
        AuthorizationCode: 60,
        Grant: 3600,
        IdToken: 3600,
        Interaction: 600,
        RefreshToken: 86_400,
        Session: 3600,
      },
    });
  });
  provider.on('server_error', () => {});
  server.on('request', provider.callback());
  return {
    authorizationEndpoint: `${issuer}/auth`,
    tokenEndpoint: `${issuer}/token`,
    client,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
