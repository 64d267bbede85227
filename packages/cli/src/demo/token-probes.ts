import { REFRESH_REUSE_MESSAGE, REFRESH_REVOKED_MESSAGE } from './proxy-provider-messages';

/** What the token probes found on a fleet (see {@link probeTokens}). */
export interface TokenProbeResult {
  /** Instances that accepted an access token signed by the first instance. */
  accessTokenAcceptedBy: number;
  /** Whether presenting the rotated-away refresh token again was answered as reuse. */
  reuseDetected: boolean;
  /** Instances that, after the replay, refuse the family's current refresh token because the family is revoked. */
  familyRevokedOn: number;
  /** Instances probed. */
  instances: number;
}

/** What one instance answered to a request, reduced to what the probes compare. */
interface Answer {
  status: number;
  error?: string;
  description?: string;
}

async function answerOf(response: Response): Promise<Answer> {
  const body = (await response.json().catch(() => ({}))) as { error?: unknown; error_description?: unknown };
  return {
    status: response.status,
    ...(typeof body.error === 'string' ? { error: body.error } : {}),
    ...(typeof body.error_description === 'string' ? { description: body.error_description } : {}),
  };
}

/** An MCP `initialize` with the access token, sent to one instance; true when the bearer check let it through. */
async function acceptsAccessToken(port: number, accessToken: string): Promise<boolean> {
  const response = await fetch(`http://127.0.0.1:${port}/mcp`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${accessToken}`,
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
    },
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: {
        protocolVersion: '2025-06-18',
        capabilities: {},
        clientInfo: { name: 'oauth-store-demo-probe', version: '0.1.0' },
      },
    }),
  });
  await response.body?.cancel();
  return response.status === 200;
}

/** A refresh_token grant at one instance's token endpoint. */
async function refreshAt(port: number, refreshToken: string, clientId: string, clientSecret?: string): Promise<Answer> {
  const response = await fetch(`http://127.0.0.1:${port}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'refresh_token',
      refresh_token: refreshToken,
      client_id: clientId,
      ...(clientSecret ? { client_secret: clientSecret } : {}),
    }),
  });
  return answerOf(response);
}

/** The credentials of a login that finished on the first probed instance. */
export interface ProbeCredentials {
  clientId: string;
  clientSecret?: string;
  accessToken: string;
  retiredRefreshToken: string;
  refreshToken: string;
}

/**
 * Two checks on a fleet, with the tokens of a login that ran entirely on the instance at port `home`:
 * 1. the access token is presented to every instance directly (signing keys per instance: only its signer accepts it);
 * 2. the refresh token that login already rotated away is replayed at `home` (RFC 9700 §4.14.2: reuse revokes the
 *    family), then the family's current refresh token is presented to every instance, each of which should refuse it
 *    as revoked. Nothing here rotates a live token: a refused refresh changes nothing.
 */
export async function probeTokens(
  home: number,
  ports: number[],
  credentials: ProbeCredentials,
): Promise<TokenProbeResult> {
  const first = home;
  let accessTokenAcceptedBy = 0;
  for (const port of ports) if (await acceptsAccessToken(port, credentials.accessToken)) accessTokenAcceptedBy += 1;
  const replay = await refreshAt(
    first,
    credentials.retiredRefreshToken,
    credentials.clientId,
    credentials.clientSecret,
  );
  const reuseDetected = replay.error === 'invalid_grant' && replay.description === REFRESH_REUSE_MESSAGE;
  let familyRevokedOn = 0;
  for (const port of ports) {
    const answer = await refreshAt(port, credentials.refreshToken, credentials.clientId, credentials.clientSecret);
    if (answer.error === 'invalid_grant' && answer.description === REFRESH_REVOKED_MESSAGE) familyRevokedOn += 1;
  }
  return { accessTokenAcceptedBy, reuseDetected, familyRevokedOn, instances: ports.length };
}
