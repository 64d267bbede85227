import { type Answer, request } from './http';

/** The first request to a server: its answer, or what kept one from coming (for the `server-unreachable` summary). */
export type Reach = { answer: Answer } | { failure: string };

/** The error code of a failed `fetch` (undici puts the socket's error, ECONNREFUSED and the like, in `cause`). */
function codeOf(error: unknown): string | undefined {
  for (let current = error, depth = 0; current && typeof current === 'object' && depth < 4; depth += 1) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && code !== 'UND_ERR_SOCKET') return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

/** `host:port` with the scheme's default port spelled out (a refusal is about one port). */
function hostAndPort(url: URL): string {
  return `${url.hostname}:${url.port || (url.protocol === 'https:' ? '443' : '80')}`;
}

/**
 * Says what actually happened when no HTTP answer came: a refused connection fails at once and must not read as a
 * timeout ("nothing answered within 5000 ms" for a refusal after 0.4 s sends the reader after the wrong problem).
 */
export function describeFailure(url: string, error: unknown, elapsedMs: number, timeoutMs: number): string {
  const target = new URL(url);
  const name = (error as { name?: unknown } | undefined)?.name;
  if (name === 'TimeoutError' || name === 'AbortError') {
    return `No answer from ${url} within ${timeoutMs} ms: the connection was not refused, but no HTTP response came (a hung server, a firewall dropping packets, or a port that is not HTTP).`;
  }
  const code = codeOf(error);
  const after = `after ${seconds(elapsedMs)}`;
  switch (code) {
    case 'ECONNREFUSED':
      return `Connection to ${url} refused ${after}: nothing listens on ${hostAndPort(target)}.`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `The host name ${target.hostname} did not resolve (${code}, ${after}).`;
    case 'ECONNRESET':
    case 'UND_ERR_CLOSED':
      return `${hostAndPort(target)} closed the connection without an HTTP response (${code}, ${after}).`;
    case 'ETIMEDOUT':
    case 'UND_ERR_CONNECT_TIMEOUT':
      return `Connecting to ${hostAndPort(target)} timed out (${code}, ${after}): a firewall may be dropping packets.`;
    default:
      return `The request to ${url} failed ${after}${code ? ` (${code})` : ''} without an HTTP response.`;
  }
}

/** {@link request} for the doctor's first probe, keeping why no answer came. Never throws. */
export async function reach(url: string, init: RequestInit, timeoutMs: number): Promise<Reach> {
  const started = performance.now();
  let failure: unknown;
  const answer = await request(url, init, timeoutMs, (error) => {
    failure = error;
  });
  return answer ? { answer } : { failure: describeFailure(url, failure, performance.now() - started, timeoutMs) };
}
