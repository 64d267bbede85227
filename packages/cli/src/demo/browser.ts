/** What the MCP server said when it refused a request, as the demo reports it. */
export interface ServerRefusal {
  /** Which step of the login it happened in (`authorize`, `callback`, `token`, ...). */
  step: string;
  /** HTTP status. */
  status: number;
  /** The OAuth `error` code (or `http_<status>` when the body had none). */
  error: string;
  /** The `error_description`, when given. */
  description?: string;
}

/** Reads `{ error, error_description }` from an error response without consuming the caller's body. */
export async function refusalOf(step: string, response: Response): Promise<ServerRefusal> {
  let body: { error?: unknown; error_description?: unknown } = {};
  try {
    body = (await response.clone().json()) as typeof body;
  } catch {
    // Not JSON: the status is all there is.
  }
  return {
    step,
    status: response.status,
    error: typeof body?.error === 'string' ? body.error : `http_${response.status}`,
    ...(typeof body?.error_description === 'string' ? { description: body.error_description } : {}),
  };
}

/** Thrown when the redirect chain stops somewhere other than the client's redirect URI. */
export class BrowserStopped extends Error {
  constructor(readonly refusal: ServerRefusal) {
    super(`${refusal.step}: ${refusal.error}${refusal.description ? ` (${refusal.description})` : ''}`);
    this.name = 'BrowserStopped';
  }
}

/** The outcome of following an authorization URL to the client's redirect URI. */
export interface AuthorizationOutcome {
  code?: string;
  error?: string;
  errorDescription?: string;
}

/**
 * A tiny user agent: follows an authorization request's redirects through the MCP server and the upstream IdP (whose
 * automated login and consent need its cookies), and stops at the client's redirect URI without opening it.
 * Requests to `serverOrigin` go through `serverFetch` (which records refusals) and are named `authorize` or
 * `callback` by path.
 */
export async function followAuthorization(
  start: URL,
  clientRedirectUri: string,
  serverOrigin: string,
  serverFetch: typeof fetch,
): Promise<AuthorizationOutcome> {
  const cookies = new Map<string, string>();
  let url = start;
  for (let hop = 0; hop < 20; hop++) {
    if (url.href.startsWith(clientRedirectUri)) {
      const params = url.searchParams;
      return {
        ...(params.get('code') ? { code: params.get('code') as string } : {}),
        ...(params.get('error') ? { error: params.get('error') as string } : {}),
        ...(params.get('error_description') ? { errorDescription: params.get('error_description') as string } : {}),
      };
    }
    const toServer = url.origin === serverOrigin;
    const step = toServer ? (url.pathname.startsWith('/oauth/callback') ? 'callback' : 'authorize') : 'upstream login';
    const headers: Record<string, string> = {};
    if (!toServer && cookies.size) {
      headers.cookie = [...cookies].map(([name, value]) => `${name}=${value}`).join('; ');
    }
    const response = await (toServer ? serverFetch : fetch)(url, { redirect: 'manual', headers });
    if (!toServer) {
      for (const line of response.headers.getSetCookie()) {
        const [pair = '', ...attributes] = line.split(';');
        const eq = pair.indexOf('=');
        const name = pair.slice(0, eq).trim();
        const expired = attributes.some((attribute) => /^\s*(max-age=0|expires=.*1970)/i.test(attribute));
        if (expired) cookies.delete(name);
        else cookies.set(name, pair.slice(eq + 1).trim());
      }
    }
    const location = response.headers.get('location');
    if (response.status >= 300 && response.status < 400 && location) {
      await response.body?.cancel();
      url = new URL(location, url);
      continue;
    }
    const refusal = await refusalOf(step, response);
    await response.body?.cancel();
    throw new BrowserStopped(refusal);
  }
  throw new BrowserStopped({ step: 'authorize', status: 0, error: 'too_many_redirects' });
}
