import { createHash, randomBytes } from 'node:crypto';
import { authenticatedTokenRequest, type RegisteredClient, withWrongSecret } from '../client-auth-probe';
import { type Finding, finding } from '../findings';
import type { Framework } from '../framework';
import { type Answer, describeAnswer, request, requestHead } from '../http';
import type { Check } from '../report';
import { startLoopbackRedirect } from './loopback-redirect';
import { type AuthorizationResult, automatedAuthorization } from './user-agent';

/** How the login's authorization step is driven. */
export type LoginMode = 'browser' | 'automated';

/** Settings of {@link runLogin}. */
export interface LoginSettings {
  mode: LoginMode;
  mcpUrl: string;
  /** RFC 8707 resource to ask for (the protected resource metadata's `resource`). */
  resource: string;
  authorizationEndpoint: string;
  tokenEndpoint: string;
  /** Space-separated scopes to ask for, when the server advertises any. */
  scope: string | undefined;
  /** Registers the login's client with this redirect URI. */
  register(redirectUri: string): Promise<{ client: RegisteredClient; method: string } | undefined>;
  /** Origins of the authorization server's own pages (to name the steps of a failure). */
  serverOrigins: string[];
  /** Complete logins to run (automated mode; the browser mode runs one). */
  logins: number;
  /** MCP calls with each access token. */
  calls: number;
  timeoutMs: number;
  /** How long the browser mode waits for the user. */
  browserTimeoutMs: number;
  /** What the automated mode types into a test upstream's login form. */
  user: string;
  password: string;
  /** Shows the user the URL to open (browser mode). */
  showAuthorizationUrl(url: string): void;
  framework: Framework | undefined;
}

/** What the login found: checks for the report and findings. */
export interface LoginReport {
  checks: Check[];
  findings: Finding[];
  /** Whether a refresh with a wrong client secret was accepted (undefined: not tried). */
  refreshWithWrongSecretAccepted?: boolean;
}

interface Tokens {
  access_token: string;
  refresh_token?: string;
}

function tokensOf(answer: Answer | undefined): Tokens | undefined {
  const body = answer?.json;
  if (answer?.status !== 200 || typeof body?.access_token !== 'string') return undefined;
  return {
    access_token: body.access_token,
    ...(typeof body.refresh_token === 'string' ? { refresh_token: body.refresh_token } : {}),
  };
}

/** One authenticated MCP `initialize`; the answer's status (401/403 mean the token was refused). */
async function callMcp(
  mcpUrl: string,
  accessToken: string,
  timeoutMs: number,
): Promise<{ status: number; headers: Headers } | undefined> {
  return requestHead(
    mcpUrl,
    {
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
          clientInfo: { name: 'oauth-store-doctor', version: '0.1.0' },
        },
      }),
    },
    timeoutMs,
  );
}

interface CallTally {
  accepted: number;
  rejected: number;
  other: number;
  rejection?: string;
  otherExample?: string;
}

/**
 * `settings.calls` MCP calls with one token, sent together: a server may take a while to answer `initialize` (fastmcp
 * takes about a second), and a balancer spreads concurrent requests over the instances just as well.
 */
async function callMcpTimes(settings: LoginSettings, accessToken: string, tally: CallTally): Promise<void> {
  const answers = await Promise.all(
    Array.from({ length: settings.calls }, () => callMcp(settings.mcpUrl, accessToken, settings.timeoutMs)),
  );
  for (const answer of answers) {
    if (answer && answer.status >= 200 && answer.status < 300) tally.accepted += 1;
    else if (answer?.status === 401 || answer?.status === 403) {
      tally.rejected += 1;
      tally.rejection ??= answer.headers.get('www-authenticate')?.slice(0, 200) ?? `HTTP ${answer.status}`;
    } else {
      tally.other += 1;
      tally.otherExample ??= answer ? `HTTP ${answer.status}` : 'no answer';
    }
  }
}

/** One authorization + code exchange: tokens, or the step that failed. */
async function oneLogin(
  settings: LoginSettings,
): Promise<{ tokens: Tokens; client: RegisteredClient; method: string } | { step: string; detail: string }> {
  const loopback = settings.mode === 'browser' ? await startLoopbackRedirect() : undefined;
  try {
    const redirectUri = loopback?.redirectUri ?? 'http://127.0.0.1:33418/callback';
    const registered = await settings.register(redirectUri);
    if (!registered) return { step: 'register', detail: 'the registration endpoint refused the login client' };
    const verifier = randomBytes(32).toString('base64url');
    const state = randomBytes(12).toString('base64url');
    const url = new URL(settings.authorizationEndpoint);
    url.search = new URLSearchParams({
      response_type: 'code',
      client_id: registered.client.client_id,
      redirect_uri: redirectUri,
      code_challenge: createHash('sha256').update(verifier).digest('base64url'),
      code_challenge_method: 'S256',
      state,
      resource: settings.resource,
      ...(settings.scope ? { scope: settings.scope } : {}),
    }).toString();
    let result: AuthorizationResult;
    if (loopback) {
      settings.showAuthorizationUrl(url.href);
      result = await loopback.result(settings.browserTimeoutMs);
    } else {
      result = await automatedAuthorization(url, {
        redirectUri,
        serverOrigins: settings.serverOrigins,
        user: settings.user,
        password: settings.password,
        timeoutMs: settings.timeoutMs,
      });
    }
    if (!result.ok) return result;
    if (result.state !== state) return { step: 'callback', detail: 'the redirect to the client carried another state' };
    const form = {
      grant_type: 'authorization_code',
      code: result.code,
      code_verifier: verifier,
      redirect_uri: redirectUri,
    };
    const answer = await request(
      settings.tokenEndpoint,
      authenticatedTokenRequest(form, registered.method, registered.client),
      settings.timeoutMs,
    );
    const tokens = tokensOf(answer);
    if (!tokens) return { step: 'token', detail: describeAnswer(answer) };
    return { tokens, client: registered.client, method: registered.method };
  } finally {
    await loopback?.close();
  }
}

/**
 * The `--login` part of the doctor: real authorization-code + PKCE logins through the server (a browser the user
 * drives, or the automated user agent against a test upstream), then `calls` MCP calls with the access token, one
 * refresh (after a refresh with a wrong client secret, which must be refused), and `calls` more with the new token.
 * Behind a load balancer the steps and calls reach different instances, which is the point: a token one instance
 * issued that another refuses means per-instance signing keys or token stores. Tokens and codes stay in memory and
 * are never printed.
 */
export async function runLogin(settings: LoginSettings): Promise<LoginReport> {
  const checks: Check[] = [];
  const findings: Finding[] = [];
  const report: LoginReport = { checks, findings };
  const logins = settings.mode === 'browser' ? 1 : settings.logins;
  const failures: { step: string; detail: string }[] = [];
  let session: { tokens: Tokens; client: RegisteredClient; method: string } | undefined;
  for (let index = 0; index < logins; index++) {
    const outcome = await oneLogin(settings);
    if ('tokens' in outcome) session ??= outcome;
    else failures.push(outcome);
  }
  const first = failures[0];
  checks.push({
    name: 'login (authorization code + PKCE)',
    ok: failures.length === 0,
    detail: `${logins - failures.length} of ${logins} completed${first ? `; failed at ${first.step}: ${first.detail}` : ''}`,
  });
  if (!session) {
    findings.push(
      finding(
        'login-failed',
        `All ${logins} logins failed; the first at the ${first?.step} step: ${first?.detail}.`,
        settings.framework,
      ),
    );
    return report;
  }
  if (first) {
    const steps = [...new Set(failures.map((failure) => failure.step))].join(', ');
    findings.push(
      finding(
        'login-intermittent',
        `${failures.length} of ${logins} logins failed (at ${steps}; the first: ${first.detail}) while the others completed.`,
        settings.framework,
      ),
    );
  }

  const tally: CallTally = { accepted: 0, rejected: 0, other: 0 };
  await callMcpTimes(settings, session.tokens.access_token, tally);

  const { client, method } = session;
  let refreshToken = session.tokens.refresh_token;
  if (!refreshToken) {
    findings.push(
      finding('login-no-refresh-token', 'The code exchange returned no refresh_token.', settings.framework),
    );
  } else {
    if (client.client_secret && method !== 'none') {
      const wrong = await request(
        settings.tokenEndpoint,
        authenticatedTokenRequest(
          { grant_type: 'refresh_token', refresh_token: refreshToken },
          method,
          withWrongSecret(client),
        ),
        settings.timeoutMs,
      );
      const stolen = tokensOf(wrong);
      report.refreshWithWrongSecretAccepted = Boolean(stolen);
      // A server that accepted it rotated the refresh token: carry on with the new one.
      if (stolen?.refresh_token) refreshToken = stolen.refresh_token;
    }
    const refreshed = await request(
      settings.tokenEndpoint,
      authenticatedTokenRequest({ grant_type: 'refresh_token', refresh_token: refreshToken }, method, client),
      settings.timeoutMs,
    );
    const tokens = tokensOf(refreshed);
    checks.push({
      name: 'refresh',
      ok: Boolean(tokens),
      detail: tokens ? 'new tokens issued' : describeAnswer(refreshed),
    });
    if (tokens) await callMcpTimes(settings, tokens.access_token, tally);
    else
      findings.push(
        finding(
          'login-refresh-failed',
          `The refresh token the server issued was refused: ${describeAnswer(refreshed)}.`,
          settings.framework,
        ),
      );
  }

  const total = tally.accepted + tally.rejected + tally.other;
  checks.push({
    name: 'MCP calls with the issued tokens',
    ok: tally.rejected === 0 && tally.other === 0,
    detail: `${total} sent: ${tally.accepted} accepted, ${tally.rejected} refused (401/403)${tally.other ? `, ${tally.other} other (${tally.otherExample})` : ''}`,
  });
  if (tally.rejected > 0 && tally.accepted === 0) {
    findings.push(
      finding(
        'login-token-rejected',
        `All ${tally.rejected} MCP calls refused the access token (${tally.rejection}).`,
        settings.framework,
      ),
    );
  } else if (tally.rejected > 0) {
    findings.push(
      finding(
        'login-token-rejected-intermittent',
        `Of ${total} MCP calls with tokens the server had just issued, ${tally.accepted} were accepted and ${tally.rejected} refused them (${tally.rejection}).`,
        settings.framework,
      ),
    );
  }
  return report;
}
