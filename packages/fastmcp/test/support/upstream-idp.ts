// The upstream identity provider: a real oidc-provider 9 on a loopback port, with its development interactions
// (any login, one consent click) driven headlessly by a cookie-keeping user agent.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type Provider from 'oidc-provider';

/** The pre-registered client the fastmcp proxies use upstream. */
export const UPSTREAM_CLIENT = { id: 'fastmcp-proxy', secret: 'upstream-client-secret-for-tests' };

/** A running identity provider. */
export interface Idp {
  issuer: URL;
  authorizationEndpoint: string;
  tokenEndpoint: string;
  close(): Promise<void>;
}

/**
 * Runs `build` without oidc-provider's start-up warnings (its development defaults, which are what a test wants, and
 * "unsupported runtime" on Node 20, where the flows used here work).
 */
async function quietly<T>(build: () => T | Promise<T>): Promise<T> {
  const warn = console.warn;
  console.warn = (...args: unknown[]) => {
    if (!String(args[0]).startsWith('oidc-provider WARNING')) warn(...args);
  };
  try {
    return await build();
  } finally {
    console.warn = warn;
  }
}

let providerClass: Promise<typeof Provider> | undefined;
function loadProvider(): Promise<typeof Provider> {
  providerClass ??= quietly(async () => (await import('oidc-provider')).default);
  return providerClass;
}

/** Starts oidc-provider on 127.0.0.1 with one confidential client whose callbacks are `redirectUris`. */
export async function startIdp(redirectUris: string[]): Promise<Idp> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  const ProviderClass = await loadProvider();
  const provider = await quietly(
    () =>
      new ProviderClass(issuer.href.replace(/\/$/, ''), {
        clients: [
          {
            client_id: UPSTREAM_CLIENT.id,
            client_secret: UPSTREAM_CLIENT.secret,
            redirect_uris: redirectUris,
            grant_types: ['authorization_code', 'refresh_token'],
            response_types: ['code'],
            token_endpoint_auth_method: 'client_secret_basic',
          },
        ],
        cookies: { keys: ['cookie-signing-key-for-tests-only'] },
        findAccount: async (_ctx, sub) => ({ accountId: sub, claims: async () => ({ sub }) }),
        features: { devInteractions: { enabled: true } },
        // Explicit lifetimes (oidc-provider otherwise notes each default it falls back to).
        ttl: {
          AccessToken: 3600,
          AuthorizationCode: 60,
          Grant: 3600,
          IdToken: 3600,
          Interaction: 600,
          RefreshToken: 86_400,
          Session: 3600,
        },
      }),
  );
  server.on('request', provider.callback());
  return {
    issuer,
    authorizationEndpoint: new URL('/auth', issuer).href,
    tokenEndpoint: new URL('/token', issuer).href,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

/**
 * Plays the user at the identity provider: follows redirects with a cookie jar, logs in as `login` and consents,
 * and returns the first redirect that leaves the provider (the proxy's callback URL).
 */
export async function signInAtIdp(idp: Idp, start: URL, login = 'alice'): Promise<URL> {
  const jar = new Map<string, string>();
  const cookieHeader = () => [...jar].map(([name, value]) => `${name}=${value}`).join('; ');
  const remember = (response: Response) => {
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const index = pair?.indexOf('=') ?? -1;
      if (pair && index > 0) jar.set(pair.slice(0, index), pair.slice(index + 1));
    }
  };
  let url = start;
  let body: URLSearchParams | undefined;
  for (let step = 0; step < 12; step++) {
    const response = await fetch(url, {
      redirect: 'manual',
      method: body ? 'POST' : 'GET',
      headers: { cookie: cookieHeader(), ...(body ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) },
      ...(body ? { body: body.toString() } : {}),
    });
    remember(response);
    body = undefined;
    if (response.status >= 300 && response.status < 400) {
      const next = new URL(response.headers.get('location') ?? '', url);
      if (next.origin !== idp.issuer.origin) return next;
      url = next;
      continue;
    }
    const html = await response.text();
    const action = /<form[^>]*action="([^"]+)"/.exec(html)?.[1];
    const prompt = /name="prompt" value="([a-z]+)"/.exec(html)?.[1];
    if (response.status !== 200 || !action || !prompt) {
      throw new Error(`unexpected identity provider page (HTTP ${response.status})`);
    }
    url = new URL(action, url);
    body = new URLSearchParams(prompt === 'login' ? { prompt, login, password: 'any' } : { prompt });
  }
  throw new Error('the identity provider did not redirect back within 12 steps');
}
