// A real oidc-provider on a loopback port, with the login and consent interactions answered by code (the user
// "alice" logs in and consents to whatever is asked), and a fetch-driven browser for the authorization code flow.
import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type Provider from 'oidc-provider';
import type { ClientMetadata, Configuration } from 'oidc-provider';

/** Where the client's browser is sent back to; never contacted (the flow stops at the redirect). */
export const REDIRECT_URI = 'http://127.0.0.1:9/callback';

/** The confidential test client, the same on every instance. */
export const CLIENT: ClientMetadata & { client_secret: string } = {
  client_id: 'test-app',
  client_secret: randomBytes(24).toString('base64url'),
  redirect_uris: [REDIRECT_URI],
  grant_types: ['authorization_code', 'refresh_token'],
  response_types: ['code'],
  token_endpoint_auth_method: 'client_secret_post',
};

// Signing and cookie keys every instance shares, as a real multi-instance deployment must.
const signingKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' });
const cookieKeys = [randomBytes(32).toString('base64url')];

/** Configuration shared by every instance (the tests add the adapter). */
export function baseConfiguration(): Configuration {
  return {
    clients: [CLIENT],
    cookies: { keys: cookieKeys },
    jwks: { keys: [{ ...signingKey, use: 'sig', kid: 'test-rsa' }] as never },
    findAccount: async (_ctx, sub) => ({ accountId: sub, claims: async () => ({ sub }) }),
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    features: {
      devInteractions: { enabled: false },
      // The test client may introspect and revoke its own tokens (the default policies, stated to silence notices).
      introspection: { enabled: true, allowedPolicy: async () => true },
      revocation: { enabled: true, allowedPolicy: async () => true },
    },
    // oidc-provider's default lifetimes, stated so it does not print a notice for each.
    ttl: {
      AccessToken: 3600,
      AuthorizationCode: 60,
      Grant: 14 * 24 * 3600,
      IdToken: 3600,
      Interaction: 3600,
      RefreshToken: 14 * 24 * 3600,
      Session: 14 * 24 * 3600,
    },
    // Rotate on every use, so refresh tokens are consumed (and reuse is detected through the adapter).
    rotateRefreshToken: true,
    pkce: { required: () => true },
  };
}

/** A provider listening on a loopback port. */
export interface Instance {
  /** Where this instance listens (its token endpoint is `<url>/token`). */
  url: URL;
  provider: Provider;
  close(): Promise<void>;
}

/**
 * Listens first (so the issuer can name the port), then builds the provider with `make(issuer)`. `issuer` defaults
 * to this instance's own URL; pass another instance's URL to put two instances behind "one" issuer, as a load
 * balancer would.
 */
export async function listenProvider(
  make: (issuer: string) => Provider | Promise<Provider>,
  issuer?: string,
): Promise<Instance> {
  let handle: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => {
    res.statusCode = 503;
    res.end();
  };
  const server = createServer((req, res) => handle(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  const provider = await make(issuer ?? url.origin);
  // oidc-provider logs every server_error through `debug`; surface them in the test output instead.
  provider.on('server_error', (_ctx, error) => console.error('oidc-provider server_error:', error));
  const callback = provider.callback();
  handle = (req, res) => {
    if (req.url?.startsWith('/interaction/')) {
      interact(provider, req, res).catch((error: unknown) => {
        console.error('interaction failed:', error);
        res.statusCode = 500;
        res.end('interaction failed');
      });
    } else {
      callback(req, res);
    }
  };
  return {
    url,
    provider,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

/** Logs "alice" in, then grants whatever the consent prompt asks for (the usual oidc-provider interaction code). */
async function interact(provider: Provider, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const details = await provider.interactionDetails(req, res);
  const { prompt, params, session } = details;
  if (prompt.name === 'login') {
    await provider.interactionFinished(req, res, { login: { accountId: 'alice' } }, { mergeWithLastSubmission: false });
    return;
  }
  if (prompt.name !== 'consent' || !session) throw new Error(`unexpected prompt ${prompt.name}`);
  const grant = details.grantId
    ? await provider.Grant.find(details.grantId)
    : new provider.Grant({ accountId: session.accountId, clientId: params.client_id as string });
  if (!grant) throw new Error('the grant of this interaction is gone');
  const missing = prompt.details as { missingOIDCScope?: string[]; missingOIDCClaims?: string[] };
  if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
  if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
  const grantId = await grant.save();
  await provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
}

/** A PKCE verifier and its S256 challenge. */
export function pkce(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

/**
 * Runs the front channel at `issuer` the way a browser would (following redirects by hand, keeping cookies) until
 * the provider redirects to the client with a code, and returns the code.
 */
export async function authorize(issuer: URL, challenge: string): Promise<string> {
  const cookies = new Map<string, string>();
  let url = new URL('/auth', issuer);
  url.search = new URLSearchParams({
    client_id: CLIENT.client_id,
    response_type: 'code',
    redirect_uri: REDIRECT_URI,
    scope: 'openid offline_access',
    prompt: 'consent',
    state: randomBytes(8).toString('hex'),
    code_challenge: challenge,
    code_challenge_method: 'S256',
  }).toString();
  for (let hop = 0; hop < 12; hop += 1) {
    const response = await fetch(url, {
      redirect: 'manual',
      headers: { cookie: [...cookies].map(([name, value]) => `${name}=${value}`).join('; ') },
    });
    for (const line of response.headers.getSetCookie()) {
      const [pair = ''] = line.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      if (value) cookies.set(name, value);
      else cookies.delete(name);
    }
    const body = await response.text();
    const location = response.headers.get('location');
    if (!location) throw new Error(`authorization stopped at ${url.pathname} with ${response.status}: ${body}`);
    const next = new URL(location, url);
    if (next.href.startsWith(REDIRECT_URI)) {
      const code = next.searchParams.get('code');
      if (!code) throw new Error(`authorization failed: ${next.searchParams.get('error')}`);
      return code;
    }
    url = next;
  }
  throw new Error('authorization did not finish within 12 redirects');
}

/** A token-endpoint style JSON answer. */
export interface JsonResponse {
  status: number;
  body: Record<string, unknown>;
}

/** POSTs a form to `path` at `base`, authenticating as the test client. */
export async function post(base: URL, path: string, params: Record<string, string>): Promise<JsonResponse> {
  const response = await fetch(new URL(path, base), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
    body: new URLSearchParams({ client_id: CLIENT.client_id, client_secret: CLIENT.client_secret, ...params }),
  });
  const text = await response.text();
  return { status: response.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

/** Exchanges a code at `base`'s token endpoint. */
export function exchangeCode(base: URL, code: string, verifier: string): Promise<JsonResponse> {
  return post(base, '/token', {
    grant_type: 'authorization_code',
    code,
    code_verifier: verifier,
    redirect_uri: REDIRECT_URI,
  });
}

/** Uses a refresh token at `base`. */
export function refresh(base: URL, refreshToken: string): Promise<JsonResponse> {
  return post(base, '/token', { grant_type: 'refresh_token', refresh_token: refreshToken });
}

/** Whether `base` says the token is active (RFC 7662). */
export async function isActive(base: URL, token: string): Promise<boolean> {
  const { status, body } = await post(base, '/token/introspection', { token });
  if (status !== 200) throw new Error(`introspection answered ${status}`);
  return body.active === true;
}
