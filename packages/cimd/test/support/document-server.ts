// A real HTTP(S) server on loopback that serves client metadata documents with whatever headers a test sets, and
// counts the requests it receives per path (the number the fleet tests assert on).
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';

/** How one path answers. */
export interface Route {
  status?: number;
  headers?: Record<string, string>;
  /** The document; a function receives the full URL the document lives at. */
  body?: string | ((url: string) => string);
  /** Delay before answering (a slow host). */
  delayMs?: number;
  /** Answer 304 when If-None-Match equals this. */
  etag?: string;
}

/** A running document server. */
export interface DocumentServer {
  /** Origin, for example `http://127.0.0.1:4321`. */
  origin: string;
  port: number;
  routes: Map<string, Route>;
  /** Requests received per path. */
  hits: Map<string, number>;
  /** If-None-Match values received per path. */
  conditional: Map<string, string[]>;
  /** Serves `route` at `path` and returns the document URL. */
  serve(path: string, route: Route): string;
  /** Stops accepting connections and drops open ones: the host is down. */
  close(): Promise<void>;
}

/** A valid document for `url`, with optional overrides (`undefined` deletes a field). */
export function documentFor(url: string, overrides: Record<string, unknown> = {}): string {
  const document: Record<string, unknown> = {
    client_id: url,
    client_name: 'Example MCP client',
    redirect_uris: ['http://127.0.0.1:33418/callback'],
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    token_endpoint_auth_method: 'none',
    ...overrides,
  };
  for (const [key, value] of Object.entries(overrides)) if (value === undefined) delete document[key];
  return JSON.stringify(document);
}

/** Starts a document server on 127.0.0.1 (HTTPS when `tls` is given). */
export async function startDocumentServer(tls?: { key: string; cert: string }): Promise<DocumentServer> {
  const routes = new Map<string, Route>();
  const hits = new Map<string, number>();
  const conditional = new Map<string, string[]>();
  let origin = '';
  const handler = (request: IncomingMessage, response: ServerResponse) => {
    const path = new URL(request.url ?? '/', 'http://x').pathname;
    hits.set(path, (hits.get(path) ?? 0) + 1);
    const ifNoneMatch = request.headers['if-none-match'];
    if (ifNoneMatch) conditional.set(path, [...(conditional.get(path) ?? []), ifNoneMatch]);
    const route = routes.get(path);
    const answer = () => {
      if (!route) {
        response.writeHead(404).end();
        return;
      }
      if (route.etag !== undefined && ifNoneMatch === route.etag) {
        response.writeHead(304, { etag: route.etag, ...route.headers }).end();
        return;
      }
      const body = typeof route.body === 'function' ? route.body(`${origin}${path}`) : (route.body ?? '');
      response
        .writeHead(route.status ?? 200, {
          'content-type': 'application/json',
          ...(route.etag !== undefined ? { etag: route.etag } : {}),
          ...route.headers,
        })
        .end(body);
    };
    if (route?.delayMs) {
      const timer = setTimeout(answer, route.delayMs);
      response.once('close', () => clearTimeout(timer));
    } else answer();
  };
  const server: Server = tls ? createHttpsServer(tls, handler) : createHttpServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  origin = `${tls ? 'https' : 'http'}://127.0.0.1:${port}`;
  return {
    origin,
    port,
    routes,
    hits,
    conditional,
    serve(path, route) {
      routes.set(path, route);
      return `${origin}${path}`;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
