import { createServer as createHttpServer } from 'node:http';
import { type AddressInfo, createServer as createTcpServer, type Server, type Socket } from 'node:net';

/**
 * A wire-level FAKE of DynamoDB's failure modes, for error-mapping tests only (DynamoDB Local never throttles, and
 * cannot be made slow). It does not store anything: every request gets the same answer.
 * - `error` mode answers each request the way DynamoDB's JSON 1.0 protocol reports an error: the given HTTP status
 *   and `{"__type":"com.amazonaws.dynamodb.v20120810#<ErrorType>","message":...}`.
 * - `hang` mode accepts TCP connections and never answers, like a backend that stopped responding.
 */
export interface FakeDynamoDbErrors {
  /** `http://127.0.0.1:PORT`, the value for the SDK's `endpoint`. */
  readonly endpoint: string;
  /** Requests (or, in `hang` mode, connections) received so far. */
  readonly requests: number;
  /** Stops the server and drops open connections. */
  close(): Promise<void>;
}

/** Options for {@link startFakeDynamoDbErrors}. */
export type FakeDynamoDbErrorsOptions = { mode: 'error'; errorType: string; status?: number } | { mode: 'hang' };

/** Starts a {@link FakeDynamoDbErrors} on a free loopback port. */
export async function startFakeDynamoDbErrors(options: FakeDynamoDbErrorsOptions): Promise<FakeDynamoDbErrors> {
  let requests = 0;
  const sockets = new Set<Socket>();
  let server: Server;
  if (options.mode === 'error') {
    const body = JSON.stringify({
      __type: `com.amazonaws.dynamodb.v20120810#${options.errorType}`,
      message: 'fake error',
    });
    server = createHttpServer((req, res) => {
      requests++;
      req.resume();
      req.on('end', () => {
        res.writeHead(options.status ?? 400, {
          'content-type': 'application/x-amz-json-1.0',
          'content-length': Buffer.byteLength(body),
          'x-amzn-requestid': 'fake',
        });
        res.end(body);
      });
    });
  } else {
    server = createTcpServer(() => {
      requests++;
    });
  }
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    get requests() {
      return requests;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
