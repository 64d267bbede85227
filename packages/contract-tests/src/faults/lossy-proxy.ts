import { type AddressInfo, connect, createServer, type Server, type Socket } from 'node:net';

/**
 * What the proxy does with the bytes it relays.
 *
 * - `pass`: forwards both directions (a transparent proxy).
 * - `drop-responses`: forwards client-to-server bytes and discards server-to-client bytes, so commands reach the
 *   backend and are applied but their responses are lost (the situation a retried conditional create turns into a
 *   double effect).
 * - `blackhole`: forwards nothing in either direction (a network partition; commands never reach the backend).
 *
 * In every mode a clean connection close (FIN) is still relayed; use {@link LossyProxy.resetConnections} for resets.
 */
export type LossyProxyMode = 'pass' | 'drop-responses' | 'blackhole';

/** Where the proxy forwards connections to. */
export interface LossyProxyOptions {
  /** The backend's host, e.g. `127.0.0.1`. */
  host: string;
  /** The backend's port. */
  port: number;
  /** The mode the proxy starts in; `pass` unless given. */
  mode?: LossyProxyMode;
}

/** A running loopback TCP proxy that can lose responses, partition, and reset connections on demand. */
export interface LossyProxy {
  /** The loopback port clients connect to (the proxy listens on 127.0.0.1). */
  readonly port: number;
  /** The current mode. */
  readonly mode: LossyProxyMode;
  /** Switches the mode; takes effect for the next chunk relayed on every open and future connection. */
  setMode(mode: LossyProxyMode): void;
  /** Destroys every open client and upstream socket; clients see a reset and reconnect through the proxy. */
  resetConnections(): void;
  /** Stops listening and destroys every open socket. */
  close(): Promise<void>;
}

/**
 * Starts a loopback TCP proxy in front of `host:port` for fault tests: drop responses, blackhole traffic, reset
 * connections. Each accepted client connection gets its own upstream connection; bytes are relayed chunk by chunk
 * according to the mode at the moment each chunk arrives.
 *
 * @example
 * const proxy = await startLossyProxy({ host: '127.0.0.1', port: backendPort });
 * const store = createRedisStore({ url: `redis://127.0.0.1:${proxy.port}` });
 * proxy.setMode('drop-responses');
 * await expect(store.set(c, k, v, { onlyIfAbsent: true })).rejects.toMatchObject({ outcomeUnknown: true });
 * proxy.resetConnections();
 * proxy.setMode('pass');
 */
export async function startLossyProxy(options: LossyProxyOptions): Promise<LossyProxy> {
  let mode: LossyProxyMode = options.mode ?? 'pass';
  const sockets = new Set<Socket>();

  const track = (socket: Socket): void => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    // A reset peer surfaces as an error event; the pair is torn down by the close handlers below.
    socket.on('error', () => undefined);
  };

  const server: Server = createServer({ allowHalfOpen: true }, (client) => {
    track(client);
    // Hold client bytes until the upstream connection is open, so nothing is lost or reordered in `pass`.
    client.pause();
    const upstream = connect({ host: options.host, port: options.port, allowHalfOpen: true });
    track(upstream);
    upstream.once('connect', () => client.resume());
    client.on('data', (chunk) => {
      if (mode !== 'blackhole') upstream.write(chunk);
    });
    upstream.on('data', (chunk) => {
      if (mode === 'pass') client.write(chunk);
    });
    // A clean close (FIN) is relayed in every mode, after the bytes already relayed, and each direction closes on its
    // own (half-close), so a request followed by FIN still gets its response in `pass`. A reset or error destroys the
    // other side, as the network would: a half-open pair would let a client believe it is still connected.
    client.once('end', () => upstream.end());
    upstream.once('end', () => client.end());
    client.once('close', (hadError) => hadError && upstream.destroy());
    upstream.once('close', (hadError) => hadError && client.destroy());
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;

  return {
    port,
    get mode() {
      return mode;
    },
    setMode(next: LossyProxyMode) {
      mode = next;
    },
    resetConnections() {
      for (const socket of sockets) {
        // RST rather than FIN: the client sees ECONNRESET, as after a real network fault.
        if (socket.destroyed) continue;
        try {
          socket.resetAndDestroy();
        } catch {
          socket.destroy();
        }
      }
    },
    close() {
      for (const socket of sockets) socket.destroy();
      return new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
    },
  };
}
