/**
 * STOPGAP until `startLossyProxy` from @oauth-store/contract-tests (packages/contract-tests/src/faults/lossy-proxy.ts)
 * is on main: the same API, the minimum the lost-response tests need. Delete this file and import from
 * '@oauth-store/contract-tests' once it lands.
 *
 * A loopback TCP proxy in front of a backend. `drop-responses` forwards client->server bytes and discards
 * server->client bytes (a lost response); `blackhole` forwards nothing; `resetConnections()` destroys every open
 * socket, so the client sees a reset and reconnects.
 */
import { createConnection, createServer, type Socket } from 'node:net';

/** What the proxy does with bytes. */
export type LossyMode = 'pass' | 'drop-responses' | 'blackhole';

/** A running proxy. */
export interface LossyProxy {
  readonly port: number;
  setMode(mode: LossyMode): void;
  resetConnections(): void;
  close(): Promise<void>;
}

/** Starts a proxy on a free loopback port forwarding to host:port. */
export async function startLossyProxy(target: { host: string; port: number }): Promise<LossyProxy> {
  let mode: LossyMode = 'pass';
  const sockets = new Set<Socket>();
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
  };
  const server = createServer((client) => {
    const upstream = createConnection(target.port, target.host);
    track(client);
    track(upstream);
    client.on('data', (chunk) => {
      if (mode !== 'blackhole') upstream.write(chunk);
    });
    upstream.on('data', (chunk) => {
      if (mode === 'pass') client.write(chunk);
    });
    client.once('close', () => upstream.destroy());
    upstream.once('close', () => client.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('lossy proxy: no port');
  return {
    port: address.port,
    setMode(next) {
      mode = next;
    },
    resetConnections() {
      for (const socket of sockets) socket.resetAndDestroy();
    },
    close() {
      for (const socket of sockets) socket.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
