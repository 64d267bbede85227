/** A JSON object as an OAuth endpoint answers it. */
export type Json = Record<string, unknown>;

/** One HTTP answer, with its body parsed as JSON when it is a JSON object. */
export interface Answer {
  status: number;
  headers: Headers;
  json: Json | undefined;
  /** The body as text (HTML pages are read by the login's user agent). */
  text: string;
}

/**
 * One HTTP exchange, never following redirects; `undefined` when nothing answered within `timeoutMs` (`onFailure`
 * gets the error, for saying why). Never throws: the doctor reports what a client would meet, and "no answer" is one
 * of those things.
 */
export async function request(
  url: string,
  init: RequestInit,
  timeoutMs: number,
  onFailure?: (error: unknown) => void,
): Promise<Answer | undefined> {
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
    return { status: response.status, headers: response.headers, json, text };
  } catch (error) {
    onFailure?.(error);
    return undefined;
  }
}

/** The OAuth `error` code of an answer, or `undefined` when its body has none. */
export function oauthErrorOf(answer: Answer | undefined): string | undefined {
  return typeof answer?.json?.error === 'string' ? answer.json.error : undefined;
}

/**
 * What an endpoint answered, for a finding's summary: `error (description)` or `HTTP status`. Only the error code
 * and its description: never a token, code or secret, which OAuth error bodies do not carry.
 */
export function describeAnswer(answer: Answer | undefined): string {
  if (!answer) return 'no answer';
  const code = oauthErrorOf(answer) ?? `HTTP ${answer.status}`;
  const description = typeof answer.json?.error_description === 'string' ? ` (${answer.json.error_description})` : '';
  const status = oauthErrorOf(answer) ? ` [HTTP ${answer.status}]` : '';
  return `${code}${description}${status}`.slice(0, 200);
}

/** A form-encoded POST. */
export function formPost(form: Record<string, string>, headers: Record<string, string> = {}): RequestInit {
  return {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json', ...headers },
    body: new URLSearchParams(form).toString(),
  };
}

/**
 * Like {@link request} but reads only the status and headers and drops the body: an MCP endpoint may answer with an
 * event stream that stays open after the response it carries.
 */
export async function requestHead(
  url: string,
  init: RequestInit,
  timeoutMs: number,
): Promise<{ status: number; headers: Headers } | undefined> {
  try {
    const response = await fetch(url, { ...init, redirect: 'manual', signal: AbortSignal.timeout(timeoutMs) });
    await response.body?.cancel().catch(() => {});
    return { status: response.status, headers: response.headers };
  } catch {
    return undefined;
  }
}
