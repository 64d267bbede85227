import { describeAnswer, request } from '../http';
import { pickForm } from './html-form';

/** Where an automated authorization ended. */
export type AuthorizationResult =
  | { ok: true; code: string; state: string | undefined }
  | { ok: false; step: string; detail: string };

/** Settings of {@link automatedAuthorization}. */
export interface UserAgentOptions {
  /** The client's redirect URI: the walk stops at the first redirect there (it is never opened). */
  redirectUri: string;
  /** Origins of the MCP server's authorization server (its steps are named authorize, consent, callback). */
  serverOrigins: string[];
  /** What to type into login forms of a test upstream. */
  user: string;
  password: string;
  timeoutMs: number;
}

/** Cookies per origin, as a browser keeps them (name=value only; enough for login and consent sessions). */
class CookieJar {
  readonly #jar = new Map<string, Map<string, string>>();
  header(url: URL): string | undefined {
    const cookies = this.#jar.get(url.host);
    return cookies?.size ? [...cookies].map(([name, value]) => `${name}=${value}`).join('; ') : undefined;
  }
  remember(url: URL, headers: Headers): void {
    const cookies = this.#jar.get(url.host) ?? new Map<string, string>();
    for (const line of headers.getSetCookie()) {
      const [pair = '', ...attributes] = line.split(';');
      const eq = pair.indexOf('=');
      if (eq <= 0) continue;
      const name = pair.slice(0, eq).trim();
      const expired = attributes.some((item) => /^\s*(max-age=0|expires=.*1970)/i.test(item));
      if (expired) cookies.delete(name);
      else cookies.set(name, pair.slice(eq + 1).trim());
    }
    this.#jar.set(url.host, cookies);
  }
}

/**
 * Walks an authorization request as a user in a browser would, for test upstreams only: follows redirects through
 * the MCP server and the upstream identity provider with a cookie jar, submits each login or consent form it meets
 * (typing `user`/`password` into text and password fields and pressing the approve/sign-in button), and stops at the
 * client's redirect URI with the code. Never runs scripts; a page without a form ends the walk.
 */
export async function automatedAuthorization(start: URL, options: UserAgentOptions): Promise<AuthorizationResult> {
  const cookies = new CookieJar();
  let url = start;
  let form: { method: 'GET' | 'POST'; body: URLSearchParams } | undefined;
  let step = 'authorize';
  for (let hop = 0; hop < 30; hop++) {
    if (url.href.startsWith(options.redirectUri)) {
      const params = url.searchParams;
      const code = params.get('code');
      if (code) return { ok: true, code, state: params.get('state') ?? undefined };
      const error = params.get('error') ?? 'no code';
      const description = params.get('error_description');
      return {
        ok: false,
        step,
        detail: `redirected to the client with ${error}${description ? ` (${description})` : ''}`,
      };
    }
    const toServer = options.serverOrigins.includes(url.origin);
    step = !toServer ? 'upstream login' : /callback/i.test(url.pathname) ? 'callback' : form ? 'consent' : step;
    const headers: Record<string, string> = { accept: 'text/html,application/json' };
    const cookie = cookies.header(url);
    if (cookie) headers.cookie = cookie;
    const init: RequestInit =
      form?.method === 'POST'
        ? {
            method: 'POST',
            headers: { ...headers, 'content-type': 'application/x-www-form-urlencoded' },
            body: form.body.toString(),
          }
        : { method: 'GET', headers };
    if (form?.method === 'GET') url.search = form.body.toString();
    form = undefined;
    const answer = await request(url.href, init, options.timeoutMs);
    if (!answer) return { ok: false, step, detail: `no answer from ${url.origin}${url.pathname}` };
    cookies.remember(url, answer.headers);
    const location = answer.headers.get('location');
    if (answer.status >= 300 && answer.status < 400 && location) {
      url = new URL(location, url);
      continue;
    }
    const page = answer.status === 200 ? pickForm(answer.text) : undefined;
    if (!page) {
      return {
        ok: false,
        step,
        detail: answer.status === 200 ? `a page without a form at ${url.pathname}` : describeAnswer(answer),
      };
    }
    const body = new URLSearchParams(page.fields);
    for (const input of page.textInputs)
      body.set(input.name, input.type === 'password' ? options.password : options.user);
    form = { method: page.method, body };
    url = new URL(page.action || url.href, url);
  }
  return { ok: false, step, detail: 'more than 30 redirects and forms' };
}
