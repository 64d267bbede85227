// The OAuth steps an MCP client and its user take against fastmcp's proxy endpoints, each sent to a chosen instance.
import { createHash, randomBytes } from 'node:crypto';
import { type Instance, via } from './instances';
import { type Idp, signInAtIdp } from './upstream-idp';

/** The MCP client's own callback (never contacted: the tests read the redirect). */
export const CLIENT_REDIRECT_URI = 'http://127.0.0.1:9/callback';

/** A PKCE pair (S256). */
export function pkce(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

/** The public URL of a proxy endpoint. */
export function publicUrl(base: string, path: string): URL {
  return new URL(path, base);
}

/** POST /oauth/register on `on`. */
export async function register(on: Instance, base: string): Promise<Response> {
  return fetch(via(on, publicUrl(base, '/oauth/register')), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ redirect_uris: [CLIENT_REDIRECT_URI], client_name: 'fastmcp multi-instance test' }),
  });
}

/** GET /oauth/authorize on `on` (the consent page, or an error). */
export async function authorize(on: Instance, base: string, clientId: string, challenge: string): Promise<Response> {
  const url = publicUrl(base, '/oauth/authorize');
  url.search = new URLSearchParams({
    response_type: 'code',
    client_id: clientId,
    redirect_uri: CLIENT_REDIRECT_URI,
    code_challenge: challenge,
    code_challenge_method: 'S256',
    state: 'client-state',
  }).toString();
  return fetch(via(on, url), { redirect: 'manual' });
}

/** The transaction id in a consent page. */
export function transactionIdOf(consentPage: string): string {
  const id = /name="transaction_id" value="([^"]+)"/.exec(consentPage)?.[1];
  if (!id) throw new Error('no transaction_id in the consent page');
  return id;
}

/** POST /oauth/consent (approve) on `on`; returns the upstream authorization URL it redirects to. */
export async function approve(on: Instance, base: string, transactionId: string): Promise<Response> {
  return fetch(via(on, publicUrl(base, '/oauth/consent')), {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ transaction_id: transactionId, action: 'approve' }).toString(),
  });
}

/** Signs in upstream and returns the proxy callback URL (public, not yet sent anywhere). */
export async function upstreamCallback(idp: Idp, upstreamAuthorizeUrl: string): Promise<URL> {
  return signInAtIdp(idp, new URL(upstreamAuthorizeUrl));
}

/** POST /oauth/token on `on`. */
export async function tokenRequest(on: Instance, base: string, form: Record<string, string>): Promise<Response> {
  return fetch(via(on, publicUrl(base, '/oauth/token')), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form).toString(),
  });
}
