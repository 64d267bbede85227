import { randomBytes } from 'node:crypto';
import { type Answer, describeAnswer, formPost, oauthErrorOf, request } from './http';

/** A registered client, as the doctor authenticates it. */
export interface RegisteredClient {
  client_id: string;
  client_secret?: string;
}

/** Client authentication methods the doctor can use. */
export type AuthMethod = 'client_secret_post' | 'client_secret_basic' | 'none';

/** Form and headers of a token request authenticated with `method` (RFC 6749 section 2.3.1). */
export function authenticatedTokenRequest(
  form: Record<string, string>,
  method: string,
  client: RegisteredClient,
): RequestInit {
  if (method === 'client_secret_basic') {
    const pair = `${encodeURIComponent(client.client_id)}:${encodeURIComponent(client.client_secret ?? '')}`;
    return formPost(form, { authorization: `Basic ${Buffer.from(pair).toString('base64')}` });
  }
  return formPost({
    ...form,
    client_id: client.client_id,
    ...(method === 'client_secret_post' && client.client_secret ? { client_secret: client.client_secret } : {}),
  });
}

/** What one bogus-code token request tells about client authentication. */
export type TokenVerdict =
  /** Past client authentication: a grant error (invalid_grant, invalid_request, ...). */
  | 'past-client-auth'
  /** invalid_client (or a bare 401): the client was rejected. */
  | 'client-rejected'
  /** 5xx or server_error: says nothing about the client (the MCP SDK example throws for an unknown code). */
  | 'server-error'
  /** No answer, a rate limit, anything else. */
  | 'inconclusive';

/** Reads a token endpoint answer. Only invalid_client means the client was rejected. */
export function tokenVerdict(answer: Answer | undefined): TokenVerdict {
  if (!answer) return 'inconclusive';
  const error = oauthErrorOf(answer);
  if (error === 'invalid_client' || (answer.status === 401 && !error)) return 'client-rejected';
  if (answer.status >= 500 || error === 'server_error' || error === 'temporarily_unavailable') return 'server-error';
  if (answer.status === 429 || !error || answer.status < 400) return 'inconclusive';
  return 'past-client-auth';
}

/** The tally of several probes. */
export interface ProbeTally {
  counts: Record<TokenVerdict, number>;
  /** One answer per verdict, described for the report. */
  examples: Partial<Record<TokenVerdict, string>>;
}

/**
 * Sends `count` authorization-code token requests with a random (unknown) code, authenticated as `method` with
 * `client`'s credentials, and tallies what came back. A random code can never be redeemed, so the probe is harmless.
 */
export async function probeTokenEndpoint(
  tokenEndpoint: string,
  method: string,
  client: RegisteredClient,
  redirectUri: string,
  count: number,
  timeoutMs: number,
): Promise<ProbeTally> {
  const tally: ProbeTally = {
    counts: { 'past-client-auth': 0, 'client-rejected': 0, 'server-error': 0, inconclusive: 0 },
    examples: {},
  };
  for (let index = 0; index < count; index++) {
    const form = {
      grant_type: 'authorization_code',
      code: randomBytes(16).toString('base64url'),
      code_verifier: randomBytes(32).toString('base64url'),
      redirect_uri: redirectUri,
    };
    const answer = await request(tokenEndpoint, authenticatedTokenRequest(form, method, client), timeoutMs);
    const verdict = tokenVerdict(answer);
    tally.counts[verdict] += 1;
    tally.examples[verdict] ??= describeAnswer(answer);
  }
  return tally;
}

/** A client's credentials with a wrong secret of the same shape (for the "does /token check secrets" probe). */
export function withWrongSecret(client: RegisteredClient): RegisteredClient {
  return { client_id: client.client_id, client_secret: randomBytes(24).toString('base64url') };
}
