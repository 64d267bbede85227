import { Agent, createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * The request header that pins a request to one backend (its value: the backend's port), the demo's stand-in for a
 * balancer's session affinity (a cookie or a client-address hash in production). The balancer removes it.
 */
export const PIN_HEADER = 'x-oauth-store-demo-pin';

/** A round-robin HTTP load balancer on one loopback port. */
export interface Balancer {
  /** `http://127.0.0.1:PORT`, without a trailing slash. */
  readonly url: string;
  /** Replaces the backend ports requests are spread over (empty: every request gets 503). */
  setBackends(ports: number[]): void;
  close(): Promise<void>;
}

/**
 * Starts a balancer that sends each request to the next backend in turn, with no session affinity: what a Kubernetes
 * Service, a cloud load balancer or nginx's default `upstream` does. This is what exposes per-instance storage.
 * A request carrying {@link PIN_HEADER} with one of the backends' ports goes to that backend instead (session
 * affinity), so sticky-session logins pay the same proxy hop as balanced ones and the two compare like for like.
 */
export async function startBalancer(): Promise<Balancer> {
  let backends: number[] = [];
  let next = 0;
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  const server = createServer((req, res) => {
    if (backends.length === 0) {
      res.writeHead(503, { 'content-type': 'text/plain' }).end('no backend');
      return;
    }
    const { [PIN_HEADER]: pin, ...headers } = req.headers;
    const pinned = typeof pin === 'string' ? Number(pin) : Number.NaN;
    const port = backends.includes(pinned) ? pinned : (backends[next++ % backends.length] as number);
    const upstream = request(
      { host: '127.0.0.1', port, method: req.method, path: req.url, headers, agent },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
      res.end('bad gateway');
    });
    req.pipe(upstream);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    setBackends(ports) {
      backends = [...ports];
      next = 0;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
        agent.destroy();
      }),
  };
}
