import { createHash, randomBytes } from 'node:crypto';
import { DEFAULT_ATTEMPTS, fleetRecognised, MIN_RELIABLE_ATTEMPTS } from './attempts';
import { type AuthorizeOutcome, classifyAuthorize } from './authorize-outcome';
import { probeCimd } from './cimd/cimd-probe';
import { judgeClientAuthentication } from './client-auth-verdict';
import { type Finding, finding } from './findings';
import { detectFramework, type Framework } from './framework';
import { type Answer, describeAnswer, type Json, request } from './http';
import { type LoginMode, runLogin } from './login/login';
import { reach } from './reach';
import { registerClient } from './registration';
import { type Check, type DoctorReport, worstFirst } from './report';

export type { Check, DoctorReport } from './report';

/** Options of {@link runDoctor}. */
export interface DoctorOptions {
  /** Authorization requests sent with the registered client. Default {@link DEFAULT_ATTEMPTS} (30). */
  attempts?: number;
  /** Per-request timeout in ms. Default 5000. */
  timeoutMs?: number;
  /** Redirect URI registered for the test client. Default a loopback URI, as MCP desktop clients use. */
  redirectUri?: string;
  /**
   * Also log in: `'browser'` (the user opens the URL handed to `showAuthorizationUrl`; the redirect comes back to a
   * loopback listener) or `'automated'` (the doctor walks the login itself, submitting the login and consent forms
   * of a test upstream).
   */
  login?: LoginMode;
  /** Complete logins in automated mode. Default 3. */
  logins?: number;
  /** MCP calls per access token. Default 6. */
  calls?: number;
  /** What the automated login types into a test upstream's login form. Default `doctor`. */
  loginUser?: string;
  /** Default `doctor`. */
  loginPassword?: string;
  /** How long the browser login waits for the user, in ms. Default 300000. */
  browserTimeoutMs?: number;
  /** Shows the authorization URL to the user (browser mode). Default: nothing (the command prints it). */
  showAuthorizationUrl?: (url: string) => void;
}

/** The test client's redirect URI: loopback, as MCP desktop clients register (never opened). */
export const DOCTOR_REDIRECT_URI = 'http://127.0.0.1:33418/callback';

/** Token requests per client-authentication probe (the MCP SDK rate-limits /token to 50 per 15 minutes). */
const TOKEN_PROBES = 6;

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

function initializeRequest(): RequestInit {
  return {
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
  };
}

/** The words a server uses for a client id it has never seen (to tell its framework). */
async function unknownClientDescription(
  authorizationEndpoint: string,
  redirectUri: string,
  timeoutMs: number,
): Promise<string | undefined> {
  const url = new URL(authorizationEndpoint);
  url.search = new URLSearchParams({
    response_type: 'code',
    client_id: `oauth-store-doctor-unknown-${randomBytes(6).toString('hex')}`,
    redirect_uri: redirectUri,
    code_challenge: randomBytes(32).toString('base64url'),
    code_challenge_method: 'S256',
  }).toString();
  const answer = await request(url.href, { method: 'GET', headers: { accept: 'application/json' } }, timeoutMs);
  return typeof answer?.json?.error_description === 'string' ? answer.json.error_description : undefined;
}

/**
 * Diagnoses an MCP server's OAuth setup the way a client meets it: RFC 9728 and RFC 8414 metadata, the advertised
 * endpoints, client ID metadata documents (advertised? DCR as the only registration path? for a server on loopback, a
 * CIMD client through /authorize with exactly one document fetch), dynamic client registration, then the registered client sent to /authorize `attempts` times (telling an
 * intermittent "client not registered", the mark of per-instance storage or per-instance keys behind a load
 * balancer, from a consistent one), the redirect URI and scopes, and client authentication at /token: a bogus code
 * with the right secret must get past client authentication (anything but invalid_client), and with a wrong secret
 * must not (invalid_client). With `login`, it then logs in for real (see {@link runLogin}).
 */
export async function runDoctor(serverUrl: string, options: DoctorOptions = {}): Promise<DoctorReport> {
  const attempts = options.attempts ?? DEFAULT_ATTEMPTS;
  const timeoutMs = options.timeoutMs ?? 5_000;
  const redirectUri = options.redirectUri ?? DOCTOR_REDIRECT_URI;
  const checks: Check[] = [];
  const findings: Finding[] = [];
  let framework: Framework | undefined;
  let loggedIn = false;
  const report = (): DoctorReport => {
    if (options.login && !loggedIn) {
      checks.push({ name: 'login', ok: false, detail: 'not run: the server failed the checks a login needs' });
    }
    return { server: serverUrl, ...(framework ? { framework } : {}), checks, findings: worstFirst(findings) };
  };
  const check = (name: string, ok: boolean, detail: string) => checks.push({ name, ok, detail });
  const add = (id: Parameters<typeof finding>[0], summary: string) => findings.push(finding(id, summary, framework));
  const server = new URL(serverUrl);

  // 1. The MCP endpoint without a token: expect 401 with a pointer to the resource metadata.
  const first = await reach(serverUrl, initializeRequest(), timeoutMs);
  if ('failure' in first) {
    add('server-unreachable', first.failure);
    return report();
  }
  const probe = first.answer;
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
    add(
      'protected-resource-metadata-missing',
      `No RFC 9728 metadata at ${wellKnown(server, 'oauth-protected-resource').join(' or ')}.`,
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
    add('authorization-server-metadata-missing', `No RFC 8414 metadata for issuer ${issuer}.`);
    return report();
  }
  check('authorization server metadata (RFC 8414)', true, as.url);
  const metadata = as.json;
  const authorizationEndpoint =
    typeof metadata.authorization_endpoint === 'string' ? metadata.authorization_endpoint : undefined;
  const tokenEndpoint = typeof metadata.token_endpoint === 'string' ? metadata.token_endpoint : undefined;
  const registrationEndpoint =
    typeof metadata.registration_endpoint === 'string' ? metadata.registration_endpoint : undefined;
  framework = detectFramework({ metadata });
  const missing = [!authorizationEndpoint && 'authorization_endpoint', !tokenEndpoint && 'token_endpoint'].filter(
    Boolean,
  );
  if (missing.length) add('endpoint-not-advertised', `The metadata has no ${missing.join(' or ')}.`);
  const methods = Array.isArray(metadata.code_challenge_methods_supported)
    ? metadata.code_challenge_methods_supported
    : [];
  if (!methods.includes('S256'))
    add('pkce-s256-not-advertised', `code_challenge_methods_supported is ${JSON.stringify(methods)}.`);

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
  if (unreachable.length) add('endpoint-unreachable', `Not reachable: ${unreachable.join('; ')}.`);
  else
    check(
      'advertised endpoints answer',
      true,
      endpoints
        .filter(([, url]) => url)
        .map(([name]) => name)
        .join(', '),
    );
  const scopes = (prm?.json.scopes_supported ?? metadata.scopes_supported) as string[] | undefined;
  const scope = Array.isArray(scopes) && scopes.length ? scopes.join(' ') : undefined;
  const resource = typeof prm?.json.resource === 'string' ? prm.json.resource : serverUrl;

  if (authorizationEndpoint && !unreachable.length) {
    framework =
      detectFramework({
        metadata,
        unknownClientDescription: await unknownClientDescription(authorizationEndpoint, redirectUri, timeoutMs),
      }) ?? framework;
  }

  // 5. Client ID Metadata Documents: advertised? DCR as the only path? For a server on loopback, end to end.
  const cimd = await probeCimd({
    metadata,
    authorizationEndpoint: unreachable.length ? undefined : authorizationEndpoint,
    registrationEndpoint,
    redirectUri,
    resource,
    scope,
    timeoutMs,
  });
  checks.push(...cimd.checks);
  for (const [id, text] of cimd.findings) add(id, text);
  if (!registrationEndpoint) {
    // With CIMD, no registration endpoint is a choice, not a gap; either way the DCR checks below cannot run.
    if (!cimd.advertised)
      add(
        'registration-not-advertised',
        'The metadata has no registration_endpoint and does not advertise client ID metadata documents.',
      );
    return report();
  }
  if (!authorizationEndpoint || !tokenEndpoint || unreachable.length) return report();

  // 6. Register a client the way an MCP client does, with an advertised token endpoint auth method.
  const advertisedAuth = Array.isArray(metadata.token_endpoint_auth_methods_supported)
    ? (metadata.token_endpoint_auth_methods_supported as string[])
    : ['client_secret_basic']; // RFC 8414's default
  const authMethod: string =
    advertisedAuth.find((method) => method === 'client_secret_post' || method === 'client_secret_basic') ??
    (advertisedAuth.includes('none') ? 'none' : (advertisedAuth[0] ?? 'client_secret_basic'));
  const { registration, answer: registrationAnswer } = await registerClient(registrationEndpoint, {
    redirectUri,
    authMethod,
    scope,
    timeoutMs,
  });
  if (!registration) {
    add('registration-rejected', `Registration answered ${describeAnswer(registrationAnswer)}.`);
    return report();
  }
  const { client: registered, method: registeredMethod } = registration;
  check('dynamic client registration (RFC 7591)', true, `registered with ${registeredMethod}`);

  // 7. The new client at /authorize, several times: through a load balancer each try may reach another instance.
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
      resource,
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
  const clientRejected = count('client-rejected');
  if (clientRejected > 0) {
    const detail = tally.get('client-rejected')?.detail;
    if (accepted > 0 || count('redirect-rejected') > 0)
      add(
        'client-not-registered-intermittent',
        `Of ${attempts} authorization requests with the client it had just registered, ${accepted} were accepted and ${clientRejected} rejected it (${detail}).`,
      );
    else
      add(
        'client-not-registered-consistent',
        `Registration succeeded, then all ${clientRejected} authorization requests rejected the client (${detail}).`,
      );
  }
  // Too few requests cannot tell per-instance storage from the rest: say so whenever the verdict hangs on it.
  const consistent = clientRejected > 0 && accepted === 0;
  if (attempts < MIN_RELIABLE_ATTEMPTS || (consistent && attempts < DEFAULT_ATTEMPTS)) {
    const fleet = fleetRecognised(attempts);
    add(
      'attempts-too-few',
      `Only ${attempts} authorization request(s) were sent: ${fleet > 1 ? `that recognises per-instance storage with 99 % probability only in a fleet of up to ${fleet} instances behind a random balancer` : 'that cannot recognise per-instance storage behind a load balancer'}${consistent ? ', so the consistent refusal above may be per-instance storage' : ''}. The default, ${DEFAULT_ATTEMPTS}, recognises up to ${fleetRecognised(DEFAULT_ATTEMPTS)}.`,
    );
  }
  if (count('redirect-rejected') > 0 && clientRejected === 0) {
    add(
      'redirect-uri-rejected',
      `The client registered redirect_uri ${redirectUri}, then ${count('redirect-rejected')} of ${attempts} authorization requests refused it (${tally.get('redirect-rejected')?.detail}).`,
    );
  }
  if (count('scope-rejected') > 0) {
    add('advertised-scope-rejected', `Requesting the advertised scopes "${scope}" was answered with invalid_scope.`);
  }
  if (count('other') > 0) {
    add(
      'authorize-failed',
      `${count('other')} of ${attempts} authorization requests failed: ${tally.get('other')?.detail}.`,
    );
  }

  // 8. Client authentication at /token with bogus codes, with the right secret, a wrong one and none.
  const clientAuth = await judgeClientAuthentication({
    tokenEndpoint,
    client: registered,
    method: registeredMethod,
    advertisedMethods: advertisedAuth,
    redirectUri,
    probes: Math.min(attempts, TOKEN_PROBES),
    timeoutMs,
    clientRejectedAtAuthorize: clientRejected > 0,
  });
  checks.push(...clientAuth.checks);
  for (const [id, text] of clientAuth.findings) add(id, text);

  // 9. A real login, when asked for.
  if (options.login) {
    loggedIn = true;
    const login = await runLogin({
      mode: options.login,
      mcpUrl: serverUrl,
      resource,
      authorizationEndpoint,
      tokenEndpoint,
      scope,
      register: async (loginRedirectUri) =>
        (await registerClient(registrationEndpoint, { redirectUri: loginRedirectUri, authMethod, scope, timeoutMs }))
          .registration,
      serverOrigins: [
        ...new Set([new URL(authorizationEndpoint).origin, new URL(tokenEndpoint).origin, server.origin]),
      ],
      logins: options.logins ?? 3,
      calls: options.calls ?? 6,
      timeoutMs,
      browserTimeoutMs: options.browserTimeoutMs ?? 300_000,
      user: options.loginUser ?? 'doctor',
      password: options.loginPassword ?? 'doctor',
      showAuthorizationUrl: options.showAuthorizationUrl ?? (() => {}),
      framework,
    });
    checks.push(...login.checks);
    findings.push(...login.findings);
    if (login.refreshWithWrongSecretAccepted) {
      const confirmation = 'Confirmed by the login: a refresh with a wrong client secret was accepted.';
      const existing = findings.find((item) => item.id === 'token-client-not-authenticated');
      if (existing) existing.summary = `${existing.summary} ${confirmation}`;
      else add('token-client-not-authenticated', confirmation);
    }
  }
  return report();
}
