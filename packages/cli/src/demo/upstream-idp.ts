import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { memoryAdapterFactory } from './idp-memory-adapter';

/** The demo user every login signs in as. */
export const DEMO_USER = 'demo-user';

/** The one pre-registered client of the upstream identity provider: the MCP server's OAuth proxy. */
export interface UpstreamClient {
  clientId: string;
  clientSecret: string;
  redirectUri: string;
}

/** A running upstream identity provider. */
export interface UpstreamIdp {
  /** Issuer URL (its discovery document is at `/.well-known/openid-configuration`). */
  issuer: string;
  authorizationEndpoint: string;
  tokenEndpoint: string;
  client: UpstreamClient;
  close(): Promise<void>;
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });
}

/**
 * Starts an OpenID provider like GitHub as an MCP proxy sees it: no dynamic client registration, one pre-registered
 * confidential client (the proxy), and a login and consent that happen by themselves for {@link DEMO_USER}, so a
 * program can walk the whole authorization code flow. It is a real `oidc-provider` 9 (in memory, loopback only).
 *
 * `redirectUri` is where the proxy receives the upstream callback (the balancer's `/oauth/callback`).
 */
export async function startUpstreamIdp(redirectUri: string): Promise<UpstreamIdp> {
  const restoreConsole = muteOidcProviderNotices();
  const { default: Provider } = await import('oidc-provider');
  const server = createServer();
  const port = await listen(server);
  const issuer = `http://127.0.0.1:${port}`;
  const client: UpstreamClient = {
    clientId: 'mcp-oauth-proxy',
    clientSecret: randomBytes(24).toString('base64url'),
    redirectUri,
  };
  const signingKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' });
  const adapters = memoryAdapterFactory();
  const provider = new Provider(issuer, {
    adapter: adapters,
    ttl: { AccessToken: 3600, AuthorizationCode: 60, IdToken: 3600, Interaction: 600, Session: 3600, Grant: 3600 },
    clients: [
      {
        client_id: client.clientId,
        client_secret: client.clientSecret,
        redirect_uris: [redirectUri],
        grant_types: ['authorization_code'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_basic',
        id_token_signed_response_alg: 'ES256',
      },
    ],
    jwks: { keys: [{ ...signingKey, kid: 'demo', alg: 'ES256', use: 'sig' }] },
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    features: { devInteractions: { enabled: false } },
    pkce: { required: () => true },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    findAccount: (_ctx, sub) => ({ accountId: sub, claims: () => ({ sub, name: 'Demo User' }) }),
  });
  // oidc-provider logs through `console` when it thinks it is misconfigured for production; the demo is not that.
  provider.on('server_error', () => {});

  // Automated login and consent: what a user clicking "Sign in" and "Authorize" would do.
  const interaction = async (req: IncomingMessage, res: ServerResponse) => {
    const details = await provider.interactionDetails(req, res);
    if (details.prompt.name === 'login') {
      await provider.interactionFinished(
        req,
        res,
        { login: { accountId: DEMO_USER } },
        { mergeWithLastSubmission: false },
      );
      return;
    }
    const missing = details.prompt.details as { missingOIDCScope?: string[]; missingOIDCClaims?: string[] };
    const grant = details.grantId
      ? await provider.Grant.find(details.grantId)
      : new provider.Grant({ accountId: DEMO_USER, clientId: String(details.params.client_id) });
    if (!grant) throw new Error('upstream grant vanished');
    if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
    if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
    const grantId = await grant.save();
    await provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
  };
  const handler = provider.callback();
  server.on('request', (req, res) => {
    if (req.url?.startsWith('/interaction/')) {
      interaction(req, res).catch(() => {
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
        res.end('interaction failed');
      });
      return;
    }
    handler(req, res);
  });
  return {
    issuer,
    authorizationEndpoint: `${issuer}/auth`,
    tokenEndpoint: `${issuer}/token`,
    client,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }).finally(restoreConsole),
  };
}

/**
 * oidc-provider prints production-readiness notices (some on stdout, which would corrupt `--json`) about things a
 * throwaway demo IdP does on purpose, such as running on Node 20. Drops those lines until the returned function runs.
 */
function muteOidcProviderNotices(): () => void {
  const { info, warn } = console;
  const filter =
    (original: (...args: unknown[]) => void) =>
    (...args: unknown[]) => {
      if (typeof args[0] === 'string' && args[0].includes('oidc-provider ')) return;
      original.apply(console, args);
    };
  console.info = filter(info);
  console.warn = filter(warn);
  return () => {
    console.info = info;
    console.warn = warn;
  };
}
