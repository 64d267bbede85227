// Starts Express apps on loopback ports and speaks OAuth to them over real HTTP.
import { createHash, randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { OAuthServerProvider } from '@modelcontextprotocol/sdk/server/auth/provider.js';
import { mcpAuthRouter } from '@modelcontextprotocol/sdk/server/auth/router.js';
import express from 'express';
import type { SdkV1Line } from './sdk-lines';

/** A running app. */
export interface Running {
  url: URL;
  close(): Promise<void>;
}

/** Listens on 127.0.0.1 with a free port. */
export async function listen(app: express.Express): Promise<Running> {
  return new Promise((resolve, reject) => {
    const server = app.listen(0, '127.0.0.1', (error?: Error) => {
      if (error) return reject(error);
      const { port } = server.address() as AddressInfo;
      resolve({
        url: new URL(`http://127.0.0.1:${port}/`),
        close: () =>
          new Promise<void>((done, fail) => {
            server.closeAllConnections();
            server.close((closeError) => (closeError ? fail(closeError) : done()));
          }),
      });
    });
  });
}

/**
 * An SDK authorization server (mcpAuthRouter) for `provider`. The issuer is the loopback URL itself, which the
 * SDK allows over plain HTTP; rate limits are off so a test's few requests never trip them. `line` picks the SDK and
 * the application's Express (support/sdk-lines.ts); default: the devDependencies this file imports.
 */
export async function startAuthServer(
  provider: OAuthServerProvider,
  line: Pick<SdkV1Line, 'express' | 'mcpAuthRouter'> = { express, mcpAuthRouter },
): Promise<Running> {
  const app = line.express();
  // The issuer must be known before listening; bind first, then mount the router on the bound port's URL.
  const router = line.express.Router();
  app.use(router);
  const running = await listen(app);
  router.use(
    line.mcpAuthRouter({
      provider,
      issuerUrl: running.url,
      clientRegistrationOptions: { rateLimit: false },
      authorizationOptions: { rateLimit: false },
      tokenOptions: { rateLimit: false },
      revocationOptions: { rateLimit: false },
    }),
  );
  return running;
}

/** A PKCE pair (S256). */
export function pkce(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

/** POST /register with JSON metadata. */
export async function register(server: URL, metadata: Record<string, unknown>): Promise<globalThis.Response> {
  return fetch(new URL('/register', server), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(metadata),
  });
}

/** GET /authorize, not following the redirect. */
export async function authorize(
  server: URL,
  params: { clientId: string; redirectUri: string; challenge: string; state: string; scope?: string },
): Promise<globalThis.Response> {
  const url = new URL('/authorize', server);
  url.search = new URLSearchParams({
    response_type: 'code',
    client_id: params.clientId,
    redirect_uri: params.redirectUri,
    code_challenge: params.challenge,
    code_challenge_method: 'S256',
    state: params.state,
    ...(params.scope ? { scope: params.scope } : {}),
  }).toString();
  return fetch(url, { redirect: 'manual' });
}

/** POST /token with form parameters (client_secret_post when the body carries client_secret). */
export async function token(server: URL, form: Record<string, string>): Promise<globalThis.Response> {
  return fetch(new URL('/token', server), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form).toString(),
  });
}
