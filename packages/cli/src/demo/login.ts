import { performance } from 'node:perf_hooks';
import { PIN_HEADER } from './balancer';
import { BrowserStopped, followAuthorization, refusalOf, type ServerRefusal } from './browser';
import { CLIENT_REDIRECT_URI, DemoClientProvider } from './client-provider';
import { DEMO_USER } from './upstream-idp';

/** How the MCP client identifies itself: dynamic client registration, or a Client ID Metadata Document URL. */
export type ClientKind = 'dcr' | 'cimd';

/** The credentials a finished login holds, for the probes that run after it (never printed). */
export interface LoginCredentials {
  clientId: string;
  clientSecret?: string;
  accessToken: string;
  /** The refresh token the login's refresh step rotated away (presenting it again is a replay). */
  retiredRefreshToken: string;
  /** Its successor, the refresh token the client holds now. */
  refreshToken: string;
}

/** How one login runs. */
export interface LoginOptions {
  /** Default `dcr`. */
  client?: ClientKind;
  /** For `cimd`: the URL of the client's metadata document (its client_id). */
  clientMetadataUrl?: string;
  /**
   * Pins every request meant for the MCP server to this instance port (a sticky session at the balancer, see
   * `PIN_HEADER`), so the login cannot fail for lack of shared storage. The requests still pass through the balancer.
   */
  pinPort?: number;
}

/** The result of one login. */
export interface LoginResult {
  ok: boolean;
  client: ClientKind;
  /** The instance port the login was pinned to, if it was. */
  pinPort?: number;
  /** Present when the login succeeded. */
  credentials?: LoginCredentials;
  /** Wall time of the whole login, in ms. */
  ms: number;
  /** Why it failed: the first refusal the MCP server answered with, as `step: error (description)`. */
  cause?: string;
}

/**
 * A `fetch` that asks the balancer at `origin` to send each request to one instance's port (session affinity), so a
 * pinned login pays the same proxy hop as a balanced one. Requests to other origins (the upstream IdP) are unchanged.
 */
export function pinnedFetch(origin: string, port: number): typeof fetch {
  return (input, init) => {
    const request = input instanceof Request ? input : undefined;
    const url = new URL(request ? request.url : String(input));
    if (url.origin !== origin) return fetch(input, init);
    // fetch's own rule: headers given in `init` replace the request's.
    const headers = new Headers(init?.headers ?? request?.headers);
    headers.set(PIN_HEADER, String(port));
    return request ? fetch(new Request(request, { ...init, headers })) : fetch(url, { ...init, headers });
  };
}

/** A login step failed; `refusal` is what the server said, when it said something. */
class StepFailed extends Error {
  constructor(
    readonly step: string,
    message: string,
  ) {
    super(message);
  }
}

function describe(refusal: ServerRefusal): string {
  return `${refusal.step}: ${refusal.error}${refusal.description ? ` (${refusal.description})` : ''}`;
}

/**
 * The MCP SDK's client modules, loaded on first use: the SDK is an optional peer of the CLI, installed for the demo
 * only, and `@oauth-store/cli`'s library entry re-exports the demo without needing it for anything else.
 */
async function sdkClient() {
  const [{ auth }, { Client }, { StreamableHTTPClientTransport }] = await Promise.all([
    import('@modelcontextprotocol/sdk/client/auth.js'),
    import('@modelcontextprotocol/sdk/client/index.js'),
    import('@modelcontextprotocol/sdk/client/streamableHttp.js'),
  ]);
  return { auth, Client, StreamableHTTPClientTransport };
}

async function callWhoami(mcpUrl: string, provider: DemoClientProvider, serverFetch: typeof fetch): Promise<string> {
  const { Client, StreamableHTTPClientTransport } = await sdkClient();
  const client = new Client({ name: 'oauth-store-demo-client', version: '0.1.0' });
  const transport = new StreamableHTTPClientTransport(new URL(mcpUrl), { authProvider: provider, fetch: serverFetch });
  try {
    await client.connect(transport);
    const result = await client.callTool({ name: 'whoami' });
    const first = (result.content as { type: string; text?: string }[])[0];
    return String(JSON.parse(first?.text ?? '{}').subject);
  } finally {
    await client.close().catch(() => {});
  }
}

/**
 * One complete MCP login with the SDK's own client, as an MCP host does it: discovery (RFC 9728, RFC 8414), dynamic
 * client registration, the authorization request through the upstream IdP (followed programmatically), the code
 * exchange, a tool call and a refresh. Every request to the MCP server goes
 * through the balancer, so consecutive requests land on different instances.
 */
export async function runLogin(mcpUrl: string, options: LoginOptions = {}): Promise<LoginResult> {
  const { auth } = await sdkClient();
  const started = performance.now();
  const kind = options.client ?? 'dcr';
  const serverOrigin = new URL(mcpUrl).origin;
  const provider = new DemoClientProvider(kind === 'cimd' ? options.clientMetadataUrl : undefined);
  let step = 'discovery';
  let firstRefusal: ServerRefusal | undefined;
  const transport = options.pinPort === undefined ? fetch : pinnedFetch(serverOrigin, options.pinPort);
  // Records the first error answer of the MCP server, which says why a step failed better than what the SDK throws
  // after its own recovery attempts.
  const serverFetch: typeof fetch = async (input, init) => {
    const response = await transport(input, init);
    // 404 and 405 are part of normal discovery and of a stateless server declining the optional SSE stream.
    const normal = response.status === 404 || response.status === 405;
    if (response.status >= 400 && !normal && !firstRefusal) firstRefusal = await refusalOf(step, response);
    return response;
  };
  const stepName = (url: string) => {
    const path = new URL(url).pathname;
    if (path === '/register') return 'register';
    if (path === '/token') return 'token';
    return path.startsWith('/.well-known') ? 'discovery' : step;
  };
  const namedFetch: typeof fetch = (input, init) => {
    const url = input instanceof Request ? input.url : String(input);
    step = stepName(url);
    return serverFetch(input, init);
  };
  try {
    step = 'discovery';
    if (
      (await auth(provider, { serverUrl: mcpUrl, fetchFn: namedFetch })) !== 'REDIRECT' ||
      !provider.pendingAuthorization
    ) {
      throw new StepFailed('register', 'the server did not ask for authorization');
    }
    step = 'authorize';
    const start = provider.pendingAuthorization;
    provider.pendingAuthorization = undefined;
    const outcome = await followAuthorization(start, CLIENT_REDIRECT_URI, serverOrigin, serverFetch);
    if (!outcome.code) {
      throw new StepFailed(
        'authorize',
        `${outcome.error ?? 'no_code'}${outcome.errorDescription ? ` (${outcome.errorDescription})` : ''}`,
      );
    }
    step = 'token';
    if (
      (await auth(provider, { serverUrl: mcpUrl, authorizationCode: outcome.code, fetchFn: namedFetch })) !==
      'AUTHORIZED'
    ) {
      throw new StepFailed('token', 'the code exchange did not authorize');
    }
    step = 'tool call';
    const subject = await callWhoami(mcpUrl, provider, serverFetch);
    if (subject !== DEMO_USER) throw new StepFailed('tool call', `whoami answered subject ${subject}`);
    step = 'refresh';
    const before = provider.tokens();
    const refreshed = await auth(provider, { serverUrl: mcpUrl, fetchFn: namedFetch });
    const after = provider.tokens();
    if (refreshed !== 'AUTHORIZED' || !after || after.access_token === before?.access_token) {
      throw new StepFailed('refresh', 'the refresh did not issue new tokens');
    }
    const client = provider.clientInformation();
    return {
      ok: true,
      client: kind,
      ...(options.pinPort !== undefined ? { pinPort: options.pinPort } : {}),
      ms: performance.now() - started,
      credentials: {
        clientId: client?.client_id ?? '',
        ...(client && 'client_secret' in client && client.client_secret ? { clientSecret: client.client_secret } : {}),
        accessToken: after.access_token,
        retiredRefreshToken: before?.refresh_token ?? '',
        refreshToken: after.refresh_token ?? '',
      },
    };
  } catch (error) {
    const refusal = error instanceof BrowserStopped ? error.refusal : firstRefusal;
    const cause = refusal
      ? describe(refusal)
      : error instanceof StepFailed
        ? `${error.step}: ${error.message}`
        : `${step}: ${error instanceof Error ? error.message : String(error)}`;
    return { ok: false, client: kind, ms: performance.now() - started, cause };
  }
}
