import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type Balancer, PIN_HEADER, startBalancer } from '../src/demo/balancer';
import { pinnedFetch } from '../src/demo/login';

/** A backend that answers with its own port and whether it saw the pin header. */
async function startBackend(): Promise<{ server: Server; port: number }> {
  const server = createServer((req, res) => {
    const { port } = server.address() as AddressInfo;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ port, pinHeader: req.headers[PIN_HEADER] ?? null, method: req.method }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port };
}

describe("the demo's balancer", () => {
  let balancer: Balancer;
  let backends: Array<{ server: Server; port: number }>;

  beforeAll(async () => {
    backends = [await startBackend(), await startBackend(), await startBackend()];
    balancer = await startBalancer();
    balancer.setBackends(backends.map((backend) => backend.port));
  });

  afterAll(async () => {
    await balancer.close();
    await Promise.all(
      backends.map(({ server }) => new Promise((resolve) => server.close(resolve)).finally(() => undefined)),
    );
  });

  const hit = async (doFetch: typeof fetch, init?: RequestInit) =>
    (await (await doFetch(`${balancer.url}/x`, init)).json()) as { port: number; pinHeader: string | null };

  it('spreads requests without the pin header over every backend in turn', async () => {
    const ports = [];
    for (let index = 0; index < 6; index++) ports.push((await hit(fetch)).port);
    const expected = backends.map((backend) => backend.port);
    expect(new Set(ports)).toEqual(new Set(expected));
    expect(ports.slice(0, 3)).toEqual(ports.slice(3));
  });

  it('sends every request of a pinned fetch to its backend, through the balancer, without the header', async () => {
    const target = backends[1]!.port;
    const pinned = pinnedFetch(balancer.url, target);
    for (let index = 0; index < 6; index++) {
      const answer = await hit(pinned, index % 2 === 0 ? { method: 'POST', body: 'x' } : undefined);
      expect(answer).toMatchObject({ port: target, pinHeader: null });
    }
    // A Request object keeps its method and body and is pinned too.
    const request = new Request(`${balancer.url}/x`, { method: 'POST', body: 'y' });
    const answer = (await (await pinned(request)).json()) as { port: number; method: string };
    expect(answer).toMatchObject({ port: target, method: 'POST' });
  });

  it('ignores a pin to a port that is not one of its backends', async () => {
    const ports = new Set<number>();
    for (let index = 0; index < 3; index++) ports.add((await hit(fetch, { headers: { [PIN_HEADER]: '1' } })).port);
    expect(ports.size).toBe(3);
  });
});
