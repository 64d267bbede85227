import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AuthorizationResult } from './user-agent';

/** A loopback listener for the browser login's redirect (RFC 8252 section 7.3), as `gh auth login` uses. */
export interface LoopbackRedirect {
  /** `http://127.0.0.1:<port>/callback`, the redirect URI to register. */
  redirectUri: string;
  /** Resolves with the code of the first request to /callback, or a failure after `timeoutMs`. */
  result(timeoutMs: number): Promise<AuthorizationResult>;
  close(): Promise<void>;
}

const PAGE = (text: string) =>
  `<!doctype html><meta charset="utf-8"><title>oauth-store doctor</title><p>${text}</p><p>You can close this tab.</p>`;

/** Starts listening on 127.0.0.1 on a free port. Only /callback is answered; the code is never shown or logged. */
export async function startLoopbackRedirect(): Promise<LoopbackRedirect> {
  let settle: ((result: AuthorizationResult) => void) | undefined;
  const settled = new Promise<AuthorizationResult>((resolve) => {
    settle = resolve;
  });
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (url.pathname !== '/callback') {
      res.writeHead(404).end();
      return;
    }
    const code = url.searchParams.get('code');
    const error = url.searchParams.get('error');
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(PAGE(code ? 'oauth-store doctor received the login.' : 'The server refused the login.'));
    if (code) settle?.({ ok: true, code, state: url.searchParams.get('state') ?? undefined });
    else {
      const description = url.searchParams.get('error_description');
      settle?.({
        ok: false,
        step: 'authorize',
        detail: `redirected to the client with ${error ?? 'no code'}${description ? ` (${description})` : ''}`,
      });
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    redirectUri: `http://127.0.0.1:${port}/callback`,
    result: (timeoutMs) => {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<AuthorizationResult>((resolve) => {
        timer = setTimeout(
          () => resolve({ ok: false, step: 'authorize', detail: `no login came back within ${timeoutMs / 1000} s` }),
          timeoutMs,
        );
      });
      return Promise.race([settled, timeout]).finally(() => clearTimeout(timer));
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
