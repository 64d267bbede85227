/**
 * Throwaway real Redis servers for the tests: one standalone `redis-server`, or a real Redis Cluster of several
 * masters joined with `redis-cli --cluster create`, all on free loopback ports with no persistence.
 *
 * Besides the two harness providers, this file exports the helpers the fault tests need: a dedicated server that can
 * be killed (SIGKILL, like a crash), frozen (SIGSTOP, like a hung host) and started again on the same port.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BackendProvider, RunningBackend } from './backend';
import { startRedisClusterContainer, startRedisContainer } from './containers/redis';

const HOST = '127.0.0.1';
const READY_TIMEOUT_MS = 10_000;
const POLL_MS = 20;

/** Options for {@link startRedisServer}. */
export interface RedisServerOptions {
  /** Port to listen on; default a free loopback port. */
  port?: number;
  /** Start with `--cluster-enabled yes` (a cluster node that still has to be joined). */
  cluster?: boolean;
}

/** A `redis-server` process this harness started on loopback. */
export interface LocalRedisServer {
  /** The port it listens on; kept across {@link LocalRedisServer.restart}. */
  readonly port: number;
  /** `redis://127.0.0.1:<port>`. */
  readonly url: string;
  /** `redis-server --version` output, for logs. */
  readonly version: string;
  /** Kills the process with SIGKILL (a crash: no goodbye on open connections) and waits for it to exit. */
  kill(): Promise<void>;
  /** Freezes the process with SIGSTOP: connections stay open but nothing answers (a hung host). */
  pause(): void;
  /** Thaws a process frozen by {@link LocalRedisServer.pause}. */
  resume(): void;
  /** Starts a new process on the same port (after {@link LocalRedisServer.kill}) and waits until PING answers. */
  restart(): Promise<void>;
  /** Stops the process (if running) and removes its data directory. Idempotent. */
  stop(): Promise<void>;
}

/** A Redis Cluster of several masters this harness started on loopback. */
export interface LocalRedisCluster {
  /** One `redis://127.0.0.1:<port>` URL per master. */
  readonly urls: string[];
  /** The master processes. */
  readonly servers: LocalRedisServer[];
  /** Stops every node and removes their data directories. */
  stop(): Promise<void>;
}

/** Finds a free TCP port on loopback (the OS picks it; a tiny race with other processes is possible). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, HOST, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => (port ? resolve(port) : reject(new Error('could not find a free port'))));
    });
  });
}

function run(file: string, args: string[], timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { timeout: timeoutMs }, (error, stdout, stderr) => {
      if (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'ENOENT') {
          const debian = file === 'redis-cli' ? 'redis-tools' : 'redis-server';
          reject(new Error(`${file} is not on PATH (install the Debian package ${debian}, or set the URL)`));
        } else {
          reject(new Error(`${file} ${args.join(' ')} failed: ${String(stderr || stdout || error.message).trim()}`));
        }
      } else {
        resolve(stdout);
      }
    });
  });
}

/**
 * Sends one inline command over a fresh connection and returns the raw reply text (enough for PING and CLUSTER
 * INFO; the harness needs no client library for that).
 */
export function rawRedisCommand(port: number, command: string, timeoutMs = 1_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = createConnection({ host: HOST, port });
    let data = '';
    const done = (error?: Error) => {
      clearTimeout(timer);
      socket.destroy();
      if (error) reject(error);
      else resolve(data);
    };
    const timer = setTimeout(() => done(new Error(`no reply within ${timeoutMs} ms`)), timeoutMs);
    socket.setEncoding('utf8');
    socket.once('connect', () => socket.write(`${command}\r\n`));
    socket.on('data', (chunk: string) => {
      data += chunk;
      const bulk = /^\$(\d+)\r\n/.exec(data);
      if (bulk?.[1] !== undefined) {
        // Bulk reply: complete once the announced length (in bytes) and the final CRLF arrived.
        if (Buffer.byteLength(data) >= bulk[0].length + Number(bulk[1]) + 2) done();
      } else if (data.endsWith('\r\n')) {
        done();
      }
    });
    socket.once('error', (error) => done(error));
  });
}

async function waitUntil(
  what: string,
  deadlineMs: number,
  check: () => Promise<boolean>,
  exited?: () => string | undefined,
) {
  const deadline = Date.now() + deadlineMs;
  let last = '';
  for (;;) {
    const reason = exited?.();
    if (reason) throw new Error(reason);
    try {
      if (await check()) return;
    } catch (error) {
      last = error instanceof Error ? error.message : String(error);
    }
    if (Date.now() > deadline)
      throw new Error(`timed out after ${deadlineMs} ms waiting for ${what}${last ? ` (${last})` : ''}`);
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

const running = new Set<ChildProcess>();
const tempDirs = new Set<string>();
let exitHookInstalled = false;
function installExitHook() {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // Last resort, when a test run exits without calling stop(): leave no server and no temp directory behind.
  process.once('exit', () => {
    for (const child of running) child.kill('SIGKILL');
    for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
  });
}
function track(child: ChildProcess) {
  installExitHook();
  running.add(child);
  child.once('exit', () => running.delete(child));
}

/** Starts a throwaway `redis-server` on loopback (no persistence, its own temp dir) and waits until PING answers. */
export async function startRedisServer(options: RedisServerOptions = {}): Promise<LocalRedisServer> {
  const version = (await run('redis-server', ['--version'], 5_000)).trim();
  const port = options.port ?? (await freePort());
  const dir = await mkdtemp(join(tmpdir(), 'oauth-store-redis-'));
  installExitHook();
  tempDirs.add(dir);
  const removeDir = async () => {
    await rm(dir, { recursive: true, force: true });
    tempDirs.delete(dir);
  };
  const args = ['--port', String(port), '--bind', HOST, '--save', '', '--appendonly', 'no', '--dir', dir];
  if (options.cluster) {
    args.push('--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf', '--cluster-node-timeout', '5000');
  }
  let child: ChildProcess | undefined;
  let stopped = false;

  const launch = async () => {
    const current = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    child = current;
    track(current);
    let output = '';
    let exitReason: string | undefined;
    const keep = (chunk: Buffer) => {
      output = (output + chunk.toString('utf8')).slice(-2_000);
    };
    current.stdout?.on('data', keep);
    current.stderr?.on('data', keep);
    current.once('error', (error: NodeJS.ErrnoException) => {
      exitReason =
        error.code === 'ENOENT'
          ? 'redis-server is not on PATH (install the Debian package redis-server, or set the URL)'
          : `redis-server could not start: ${error.message}`;
    });
    current.once('exit', (code, signal) => {
      exitReason ??= `redis-server exited (${signal ?? code}) before answering PING: ${output.trim().slice(-500)}`;
    });
    try {
      await waitUntil(
        `redis-server on port ${port}`,
        READY_TIMEOUT_MS,
        async () => (await rawRedisCommand(port, 'PING', 500)).startsWith('+PONG'),
        () => exitReason,
      );
    } catch (error) {
      current.kill('SIGKILL');
      throw error;
    }
  };

  const exit = async (signal: NodeJS.Signals) => {
    const current = child;
    child = undefined;
    if (!current || current.exitCode !== null || current.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => current.once('exit', () => resolve()));
    current.kill('SIGCONT'); // a frozen process cannot act on SIGTERM
    current.kill(signal);
    const timer = setTimeout(() => current.kill('SIGKILL'), 3_000);
    await exited;
    clearTimeout(timer);
  };

  try {
    await launch();
  } catch (error) {
    await removeDir();
    throw error;
  }

  return {
    port,
    url: `redis://${HOST}:${port}`,
    version,
    kill: () => exit('SIGKILL'),
    pause() {
      child?.kill('SIGSTOP');
    },
    resume() {
      child?.kill('SIGCONT');
    },
    async restart() {
      if (stopped) throw new Error('the server was stopped; start a new one');
      await exit('SIGKILL');
      await launch();
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await exit('SIGTERM');
      await removeDir();
    },
  };
}

/**
 * Starts a real Redis Cluster: `masters` cluster-enabled servers joined with
 * `redis-cli --cluster create ... --cluster-replicas 0 --cluster-yes`, then waits until every node reports
 * `cluster_state:ok`.
 */
export async function startRedisCluster(masters = 3): Promise<LocalRedisCluster> {
  if (masters < 3) throw new Error('a Redis Cluster needs at least 3 masters');
  const servers: LocalRedisServer[] = [];
  const stop = async () => {
    await Promise.allSettled(servers.map((server) => server.stop()));
  };
  try {
    for (let i = 0; i < masters; i++) servers.push(await startRedisServer({ cluster: true }));
    await run(
      'redis-cli',
      ['--cluster', 'create', ...servers.map((s) => `${HOST}:${s.port}`), '--cluster-replicas', '0', '--cluster-yes'],
      30_000,
    );
    for (const server of servers) {
      await waitUntil(`cluster_state:ok on port ${server.port}`, READY_TIMEOUT_MS, async () =>
        (await rawRedisCommand(server.port, 'CLUSTER INFO')).includes('cluster_state:ok'),
      );
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return { urls: servers.map((s) => s.url), servers, stop };
}

/** Harness provider `redis`: a throwaway standalone server, or a container; `REDIS_URL`. */
export const redisProvider: BackendProvider = {
  name: 'redis',
  envVar: 'REDIS_URL',
  async startLocal(): Promise<RunningBackend> {
    const server = await startRedisServer();
    return {
      env: { REDIS_URL: server.url },
      description: `${server.version.split(' ').slice(0, 3).join(' ')} on ${HOST}:${server.port}`,
      stop: () => server.stop(),
    };
  },
  startContainer: startRedisContainer,
};

/**
 * Harness provider `redis-cluster`: a throwaway 3-master Redis Cluster (local processes, or one container);
 * `REDIS_CLUSTER_URLS` (comma-separated).
 */
export const redisClusterProvider: BackendProvider = {
  name: 'redis-cluster',
  envVar: 'REDIS_CLUSTER_URLS',
  async startLocal(): Promise<RunningBackend> {
    const cluster = await startRedisCluster(3);
    return {
      env: { REDIS_CLUSTER_URLS: cluster.urls.join(',') },
      description: `Redis Cluster of ${cluster.servers.length} masters on ${cluster.servers.map((s) => `${HOST}:${s.port}`).join(', ')}`,
      stop: () => cluster.stop(),
    };
  },
  startContainer: startRedisClusterContainer,
};
