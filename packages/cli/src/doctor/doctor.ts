import { createHash, randomBytes } from 'node:crypto';
import { type Finding, finding } from './findings';

/** Options of {@link runDoctor}. */
export interface DoctorOptions {
  /** Authorization requests sent with the registered client. Default 10. */
  attempts?: number;
  /** Per-request timeout in ms. Default 5000. */
  timeoutMs?: number;
  /** Redirect URI registered for the test client. Default a loopback URI, as MCP desktop clients use. */
  redirectUri?: string;
}

/** One check the doctor ran, passed or not, for the human report. */
export interface Check {
  name: string;
  ok: boolean;
  detail: string;
}

/** What {@link runDoctor} found. */
export interface DoctorReport {
  /** The MCP server URL examined. */
  server: string;
  checks: Check[];
  /** Problems, worst first. Empty when the server looks healthy. */
  findings: Finding[];
}

/** The test client's redirect URI: loopback, as MCP desktop clients register (never opened). */
export const DOCTOR_REDIRECT_URI = 'http://127.0.0.1:33418/callback';

type Json = Record<string, unknown>;

interface Answer {
  status: number;
  headers: Headers;
  json: Json | undefined;
}

/** One HTTP exchange, never following redirects; `undefined` when nothing answered. */
async function request(url: string, init: RequestInit, timeoutMs: number): Promise<Answer | undefined> {
  try {
    const response = await fetch(url, { ...init, redirect: 'manual', signal: AbortSignal.timeout(timeoutMs) });
    const text = await response.text();
    let json: Json | undefined;
    try {
      const parsed = JSON.parse(text);
      json = parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? parsed : undefined;
    } catch {
      json = undefined;
    }
    return { status: response.status, headers: response.headers, json };
  } catch {
    return undefined;
  }
}

function errorOf(answer: Answer | undefined): string {
  if (!answer) return 'no answer';
  const code = typeof answer.json?.error === 'string' ? answer.json.error : `HTTP ${answer.status}`;
  const description = typeof answer.json?.error_description === 'string' ? ` (${answer.json.error_description})` : '';
  return `${code}${description}`.slice(0, 200);
}

/** `resource_metadata="..."` from a WWW-Authenticate header. */
function resourceMetadataFrom(answer: Answer | undefined): string | undefined {
  const header = answer?.headers.get('www-authenticate') ?? '';
  return /resource_metadata="([^"]+)"/i.exec(header)?.[1];
}

function wellKnown(base: URL, name: string): string[] {
  const path = base.pathname.replace(/\/+$/, '');
  const urls = [`${base.origin}/.well-known/${name}${path}`];
  if (path) urls.push(`${base.origin}/.well-known/${name}`);
  return urls;
}

async function firstJson(
  urls: string[],
  timeoutMs: number,
  accept: (json: Json) => boolean,
): Promise<{ url: string; json: Json } | undefined> {
  for (const url of [...new Set(urls)]) {
    const answer = await request(url, { headers: { accept: 'application/json' } }, timeoutMs);
    if (answer?.status === 200 && answer.json && accept(answer.json)) return { url, json: answer.json };
  }
  return undefined;
}

/** How an authorization request was answered. */
type AuthorizeOutcome = 'accepted' | 'client-rejected' | 'redirect-rejected' | 'scope-rejected' | 'other';

function classifyAuthorize(
  answer: Answer | undefined,
  redirectUri: string,
): { outcome: AuthorizeOutcome; detail: string } {
  if (!answer) return { outcome: 'other', detail: 'no answer' };
  const location = answer.headers.get('location');
  if (answer.status >= 300 && answer.status < 400 && location) {
    if (!location.startsWith(redirectUri)) return { outcome: 'accepted', detail: `redirect ${answer.status}` };
    const error = new URL(location).searchParams.get('error');
    if (!error) return { outcome: 'accepted', detail: 'redirect to the client' };
    return {
      outcome: error === 'invalid_scope' ? 'scope-rejected' : 'other',
      detail: `redirected with error=${error}`,
    };
  }
  if (answer.status === 200) return { outcome: 'accepted', detail: 'login page' };
  const error = typeof answer.json?.error === 'string' ? answer.json.error : '';
  const description = typeof answer.json?.error_description === 'string' ? answer.json.error_description : '';
  if (/redirect/i.test(description) || error === 'invalid_redirect_uri')
    return { outcome: 'redirect-rejected', detail: errorOf(answer) };
  if (error === 'invalid_client' || error === 'unauthorized_client' || /client/i.test(description)) {
    return { outcome: 'client-rejected', detail: errorOf(answer) };
  }
  return { outcome: 'other', detail: errorOf(answer) };
}

type SecretMethod = 'client_secret_post' | 'client_secret_basic';

function tokenRequest(
  method: string,
  client: { client_id: string; client_secret?: string },
  redirectUri: string,
): RequestInit {
  const body = new URLSearchParams({
    grant_type: 'authorization_code',
    code: randomBytes(16).toString('base64url'),
    code_verifier: randomBytes(32).toString('base64url'),
    redirect_uri: redirectUri,
  });
  const headers: Record<string, string> = {
    'content-type': 'application/x-www-form-urlencoded',
    accept: 'application/json',
  };
  if (method === 'client_secret_basic') {
    const pair = `${encodeURIComponent(client.client_id)}:${encodeURIComponent(client.client_secret ?? '')}`;
    headers.authorization = `Basic ${Buffer.from(pair).toString('base64')}`;
  } else {
    body.set('client_id', client.client_id);
    if (method === 'client_secret_post' && client.client_secret) body.set('client_secret', client.client_secret);
  }
  return { method: 'POST', headers, body: body.toString() };
}

/** Sends bogus-code token requests: how many got past client authentication (answered invalid_grant). */
async function tokenAuthWorks(
  tokenEndpoint: string,
  method: string,
  client: { client_id: string; client_secret?: string },
  redirectUri: string,
  attempts: number,
  timeoutMs: number,
): Promise<{ passed: number; lastError: string }> {
  let passed = 0;
  let lastError = '';
  for (let index = 0; index < attempts; index++) {
    const answer = await request(tokenEndpoint, tokenRequest(method, client, redirectUri), timeoutMs);
    if (answer?.json?.error === 'invalid_grant') passed += 1;
    else lastError = errorOf(answer);
  }
  return { passed, lastError };
}

const ORDER = { error: 0, warn: 1, info: 2 } as const;

/**
 * Diagnoses an MCP server's OAuth setup the way a client meets it: RFC 9728 and RFC 8414 metadata, the advertised
 * endpoints, dynamic client registration, then the registered client sent to /authorize `attempts` times (telling an
 * intermittent "client not registered", the mark of per-instance storage behind a load balancer, from a consistent
 * one), the redirect URI and scopes, and client authentication at /token with a bogus code (which must fail with
 * invalid_grant, not invalid_client). Never follows the user to the upstream IdP and never logs in.
 */
export async function runDoctor(serverUrl: string, options: DoctorOptions = {}): Promise<DoctorReport> {
  const attempts = options.attempts ?? 10;
  const timeoutMs = options.timeoutMs ?? 5_000;
  const redirectUri = options.redirectUri ?? DOCTOR_REDIRECT_URI;
  const checks: Check[] = [];
  const findings: Finding[] = [];
  const report = (): DoctorReport => ({
    server: serverUrl,
    checks,
    findings: findings.sort((a, b) => ORDER[a.severity] - ORDER[b.severity]),
  });
  const check = (name: string, ok: boolean, detail: string) => checks.push({ name, ok, detail });
  const server = new URL(serverUrl);

  // 1. The MCP endpoint without a token: expect 401 with a pointer to the resource metadata.
  const probe = await request(
    serverUrl,
    {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
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
  if (!probe) {
    findings.push(finding('server-unreachable', `Nothing answered at ${serverUrl} within ${timeoutMs} ms.`));
    return report();
  }
  const pointer = resourceMetadataFrom(probe);
  check(
    'MCP endpoint asks for a token',
    probe.status === 401,
    `HTTP ${probe.status}${pointer ? ', WWW-Authenticate names resource_metadata' : ''}`,
  );

  // 2. RFC 9728 protected resource metadata.
  const prm = await firstJson(
    [...(pointer ? [pointer] : []), ...wellKnown(server, 'oauth-protected-resource')],
    timeoutMs,
    (json) => Array.isArray(json.authorization_servers),
  );
  if (prm) check('protected resource metadata (RFC 9728)', true, prm.url);
  else
    findings.push(
      finding(
        'protected-resource-metadata-missing',
        `No RFC 9728 metadata at ${wellKnown(server, 'oauth-protected-resource').join(' or ')}.`,
      ),
    );
  const issuer = String((prm?.json.authorization_servers as unknown[] | undefined)?.[0] ?? server.origin);

  // 3. RFC 8414 authorization server metadata (OpenID discovery as a fallback, as MCP clients do).
  const issuerUrl = new URL(issuer);
  const as = await firstJson(
    [
      ...wellKnown(issuerUrl, 'oauth-authorization-server'),
      ...wellKnown(issuerUrl, 'openid-configuration'),
      `${issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`,
    ],
    timeoutMs,
    (json) => typeof json.authorization_endpoint === 'string' || typeof json.token_endpoint === 'string',
  );
  if (!as) {
    findings.push(finding('authorization-server-metadata-missing', `No RFC 8414 metadata for issuer ${issuer}.`));
    return report();
  }
  check('authorization server metadata (RFC 8414)', true, as.url);
  const metadata = as.json;
  const authorizationEndpoint =
    typeof metadata.authorization_endpoint === 'string' ? metadata.authorization_endpoint : undefined;
  const tokenEndpoint = typeof metadata.token_endpoint === 'string' ? metadata.token_endpoint : undefined;
  const registrationEndpoint =
    typeof metadata.registration_endpoint === 'string' ? metadata.registration_endpoint : undefined;
  const missing = [!authorizationEndpoint && 'authorization_endpoint', !tokenEndpoint && 'token_endpoint'].filter(
    Boolean,
  );
  if (missing.length) findings.push(finding('endpoint-not-advertised', `The metadata has no ${missing.join(' or ')}.`));
  const methods = Array.isArray(metadata.code_challenge_methods_supported)
    ? metadata.code_challenge_methods_supported
    : [];
  if (!methods.includes('S256'))
    findings.push(
      finding('pkce-s256-not-advertised', `code_challenge_methods_supported is ${JSON.stringify(methods)}.`),
    );

  // 4. Every advertised endpoint answers (any HTTP status but 404 means something is there).
  const endpoints: [string, string | undefined, RequestInit][] = [
    ['authorization', authorizationEndpoint, { method: 'GET' }],
    [
      'token',
      tokenEndpoint,
      { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: '' },
    ],
    [
      'registration',
      registrationEndpoint,
      { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' },
    ],
  ];
  const unreachable: string[] = [];
  for (const [name, url, init] of endpoints) {
    if (!url) continue;
    const answer = await request(url, init, timeoutMs);
    if (!answer || answer.status === 404) unreachable.push(`${name} ${url} (${answer ? 'HTTP 404' : 'no answer'})`);
  }
  if (unreachable.length) findings.push(finding('endpoint-unreachable', `Not reachable: ${unreachable.join('; ')}.`));
  else
    check(
      'advertised endpoints answer',
      true,
      endpoints
        .filter(([, url]) => url)
        .map(([name]) => name)
        .join(', '),
    );
  if (!registrationEndpoint) {
    findings.push(finding('registration-not-advertised', 'The metadata has no registration_endpoint.'));
    return report();
  }
  if (!authorizationEndpoint || !tokenEndpoint || unreachable.length) return report();

  // 5. Register a client the way an MCP client does, with an advertised token endpoint auth method.
  const advertisedAuth = Array.isArray(metadata.token_endpoint_auth_methods_supported)
    ? (metadata.token_endpoint_auth_methods_supported as string[])
    : ['client_secret_basic']; // RFC 8414's default
  const authMethod =
    advertisedAuth.find(
      (method): method is SecretMethod => method === 'client_secret_post' || method === 'client_secret_basic',
    ) ?? (advertisedAuth.includes('none') ? 'none' : (advertisedAuth[0] ?? 'client_secret_basic'));
  const scopes = (prm?.json.scopes_supported ?? metadata.scopes_supported) as string[] | undefined;
  const scope = Array.isArray(scopes) && scopes.length ? scopes.join(' ') : undefined;
  const registration = await request(
    registrationEndpoint,
    {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({
        client_name: 'oauth-store doctor',
        redirect_uris: [redirectUri],
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        token_endpoint_auth_method: authMethod,
        ...(scope ? { scope } : {}),
      }),
    },
    timeoutMs,
  );
  const client = registration?.json as
    | { client_id?: unknown; client_secret?: unknown; token_endpoint_auth_method?: unknown }
    | undefined;
  if (!registration || registration.status >= 300 || typeof client?.client_id !== 'string') {
    findings.push(finding('registration-rejected', `Registration answered ${errorOf(registration)}.`));
    return report();
  }
  const registered = {
    client_id: client.client_id,
    ...(typeof client.client_secret === 'string' ? { client_secret: client.client_secret } : {}),
  };
  const registeredMethod =
    typeof client.token_endpoint_auth_method === 'string' ? client.token_endpoint_auth_method : authMethod;
  check('dynamic client registration (RFC 7591)', true, `registered with ${registeredMethod}`);

  // 6. The new client at /authorize, several times: through a load balancer each try may reach another instance.
  const tally = new Map<AuthorizeOutcome, { count: number; detail: string }>();
  for (let index = 0; index < attempts; index++) {
    const verifier = randomBytes(32).toString('base64url');
    const url = new URL(authorizationEndpoint);
    url.search = new URLSearchParams({
      response_type: 'code',
      client_id: registered.client_id,
      redirect_uri: redirectUri,
      code_challenge: createHash('sha256').update(verifier).digest('base64url'),
      code_challenge_method: 'S256',
      state: randomBytes(8).toString('hex'),
      resource: typeof prm?.json.resource === 'string' ? prm.json.resource : serverUrl,
      ...(scope ? { scope } : {}),
    }).toString();
    const { outcome, detail } = classifyAuthorize(await request(url.href, { method: 'GET' }, timeoutMs), redirectUri);
    const entry = tally.get(outcome) ?? { count: 0, detail };
    entry.count += 1;
    tally.set(outcome, entry);
  }
  const count = (outcome: AuthorizeOutcome) => tally.get(outcome)?.count ?? 0;
  const accepted = count('accepted') + count('scope-rejected');
  const summary = [...tally].map(([outcome, { count: n, detail }]) => `${n} ${outcome} (${detail})`).join(', ');
  check('authorization requests with the new client', accepted === attempts, `${attempts} sent: ${summary}`);
  if (count('client-rejected') > 0) {
    findings.push(
      accepted > 0 || count('redirect-rejected') > 0
        ? finding(
            'client-not-registered-intermittent',
            `Of ${attempts} authorization requests with the client it had just registered, ${accepted} were accepted and ${count('client-rejected')} rejected it (${tally.get('client-rejected')?.detail}).`,
          )
        : finding(
            'client-not-registered-consistent',
            `Registration succeeded, then all ${count('client-rejected')} authorization requests rejected the client (${tally.get('client-rejected')?.detail}).`,
          ),
    );
  }
  if (count('redirect-rejected') > 0 && count('client-rejected') === 0) {
    findings.push(
      finding(
        'redirect-uri-rejected',
        `The client registered redirect_uri ${redirectUri}, then ${count('redirect-rejected')} of ${attempts} authorization requests refused it (${tally.get('redirect-rejected')?.detail}).`,
      ),
    );
  }
  if (count('scope-rejected') > 0) {
    findings.push(
      finding(
        'advertised-scope-rejected',
        `Requesting the advertised scopes "${scope}" was answered with invalid_scope.`,
      ),
    );
  }
  if (count('other') > 0) {
    findings.push(
      finding(
        'authorize-failed',
        `${count('other')} of ${attempts} authorization requests failed: ${tally.get('other')?.detail}.`,
      ),
    );
  }

  // 7. Client authentication at /token: a bogus code must fail as invalid_grant (the client was authenticated).
  const primary = await tokenAuthWorks(tokenEndpoint, registeredMethod, registered, redirectUri, attempts, timeoutMs);
  if (primary.passed > 0) {
    check(
      'token endpoint authenticates the client',
      true,
      `${registeredMethod}: ${primary.passed} of ${attempts} answered invalid_grant for a bogus code`,
    );
  } else if (count('client-rejected') === 0) {
    // Never authenticated: find out whether another method would have been.
    const alternatives = (['client_secret_post', 'client_secret_basic'] as const).filter(
      (method) => method !== registeredMethod && registered.client_secret,
    );
    let accepting: string | undefined;
    for (const method of alternatives) {
      if ((await tokenAuthWorks(tokenEndpoint, method, registered, redirectUri, 2, timeoutMs)).passed > 0)
        accepting = method;
    }
    findings.push(
      accepting
        ? finding(
            'token-auth-method-mismatch',
            `The server advertises ${JSON.stringify(advertisedAuth)} and registered the client with ${registeredMethod}, but /token answers ${primary.lastError} to it and accepts ${accepting} instead.`,
          )
        : finding(
            'token-client-rejected',
            `/token answered ${primary.lastError} to the client it registered (${registeredMethod}).`,
          ),
    );
  }
  return report();
}
