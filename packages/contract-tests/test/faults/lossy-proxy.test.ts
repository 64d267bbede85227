// The lossy proxy in front of a tiny loopback server that records what each connection received. No assertion waits
// for time: what a side did NOT receive is read once its connection has closed, and TCP delivers the bytes before the
// close (the proxy judges each chunk by the mode at the moment it arrives, so the mode stays fixed within a test).

import { type AddressInfo, connect, createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from '@jest/globals';
import { type LossyProxy, startLossyProxy } from '../../src/index';

/** A server connection: what it received, and a promise that settles when it closes. */
interface ServerSide {
  received: string;
  closed: Promise<void>;
}

interface TestServer {
  server: Server;
  port: number;
  connections: ServerSide[];
  /** Resolves with the next accepted connection. */
  nextConnection(): Promise<ServerSide>;
}

/**
 * A server that echoes every chunk and, when `closeAfterEcho` is set, closes cleanly right after echoing (so the
 * proxy's relay of the echo is complete before the client sees the close).
 */
async function startServer(options: { closeAfterEcho: boolean }): Promise<TestServer> {
  const waiting: Array<(side: ServerSide) => void> = [];
  const test: TestServer = {
    server: createServer((socket) => {
      socket.on('error', () => undefined);
      const side: ServerSide = {
        received: '',
        closed: new Promise((resolve) => socket.once('close', () => resolve())),
      };
      socket.on('data', (chunk) => {
        side.received += chunk.toString();
        socket.write(chunk);
        if (options.closeAfterEcho) socket.end();
      });
      test.connections.push(side);
      waiting.shift()?.(side);
    }),
    port: 0,
    connections: [],
    nextConnection() {
      const accepted = test.connections.at(-1);
      if (accepted) return Promise.resolve(accepted);
      return new Promise((resolve) => waiting.push(resolve));
    },
  };
  await new Promise<void>((resolve) => test.server.listen(0, '127.0.0.1', resolve));
  test.port = (test.server.address() as AddressInfo).port;
  return test;
}

interface ClientSide {
  socket: Socket;
  received: () => string;
  /** Settles when the socket closes; carries the error that closed it, if any. */
  closed: Promise<NodeJS.ErrnoException | undefined>;
}

async function openClient(port: number): Promise<ClientSide> {
  const socket = connect({ host: '127.0.0.1', port });
  let received = '';
  let failure: NodeJS.ErrnoException | undefined;
  socket.on('error', (error) => {
    failure = error;
  });
  socket.on('data', (chunk) => {
    received += chunk.toString();
  });
  const closed = new Promise<NodeJS.ErrnoException | undefined>((resolve) =>
    socket.once('close', () => resolve(failure)),
  );
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  return { socket, received: () => received, closed };
}

describe('startLossyProxy', () => {
  let server: TestServer;
  let proxy: LossyProxy;

  afterEach(async () => {
    await proxy.close();
    await new Promise((resolve) => server.server.close(resolve));
  });

  it('relays both directions in pass mode, including a response followed by a close', async () => {
    server = await startServer({ closeAfterEcho: true });
    proxy = await startLossyProxy({ host: '127.0.0.1', port: server.port });
    expect(proxy.mode).toBe('pass');
    const client = await openClient(proxy.port);
    client.socket.write('hello');
    expect(await client.closed).toBeUndefined();
    expect(client.received()).toBe('hello');
    expect((await server.nextConnection()).received).toBe('hello');
  });

  it('drop-responses forwards requests to the backend but loses every response', async () => {
    server = await startServer({ closeAfterEcho: true });
    proxy = await startLossyProxy({ host: '127.0.0.1', port: server.port, mode: 'drop-responses' });
    expect(proxy.mode).toBe('drop-responses');
    const client = await openClient(proxy.port);
    client.socket.write('applied');
    await client.closed;
    expect((await server.nextConnection()).received).toBe('applied');
    expect(client.received()).toBe('');
  });

  it('blackhole forwards nothing in either direction', async () => {
    server = await startServer({ closeAfterEcho: false });
    proxy = await startLossyProxy({ host: '127.0.0.1', port: server.port });
    proxy.setMode('blackhole');
    expect(proxy.mode).toBe('blackhole');
    const client = await openClient(proxy.port);
    const side = await server.nextConnection();
    client.socket.end('never-arrives');
    await side.closed; // the client's FIN is relayed after its (discarded) bytes
    expect(side.received).toBe('');
    await client.closed;
    expect(client.received()).toBe('');
  });

  it('resetConnections resets open connections; a reconnect goes through', async () => {
    server = await startServer({ closeAfterEcho: false });
    proxy = await startLossyProxy({ host: '127.0.0.1', port: server.port });
    const first = await openClient(proxy.port);
    const firstSide = await server.nextConnection();
    proxy.resetConnections();
    expect((await first.closed)?.code).toBe('ECONNRESET');
    await firstSide.closed;

    const second = await openClient(proxy.port);
    second.socket.end('two');
    await second.closed;
    expect(second.received()).toBe('two');
    expect(server.connections).toHaveLength(2);
    expect(server.connections[1]?.received).toBe('two');
  });

  it('close stops listening and closes open connections', async () => {
    server = await startServer({ closeAfterEcho: false });
    proxy = await startLossyProxy({ host: '127.0.0.1', port: server.port });
    const client = await openClient(proxy.port);
    await proxy.close();
    await client.closed;
    await expect(openClient(proxy.port)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    // afterEach closes the proxy again; give it a fresh one to close
    proxy = await startLossyProxy({ host: '127.0.0.1', port: server.port });
  });
});
