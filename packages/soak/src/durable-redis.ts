/**
 * A throwaway `redis-server` that is DURABLE: append-only file on, fsync on every write (`appendfsync always`).
 *
 * The harness's servers run with `--save "" --appendonly no`, so a killed server comes back empty and "no
 * acknowledged write lost" could not be checked across a crash. With `appendfsync always`, Redis acknowledges a write
 * only after it is in the AOF, so a SIGKILLed server restarted on the same directory must still hold every
 * acknowledged write: the soak checks exactly that.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
// The harness exports only its providers; its port and PING helpers are imported from their file.
import { freePort, rawRedisCommand } from '../../test-servers/src/redis';

const READY_TIMEOUT_MS = 15_000;

/** A durable redis-server the soak controls. */
export interface DurableRedis {
  readonly url: string;
  readonly description: string;
  /** SIGKILL (a crash), then a new process on the same port and data directory; resolves when PING answers. */
  crashAndRestart(): Promise<void>;
  /** SIGSTOP: connections stay open, nothing answers. */
  pause(): void;
  /** SIGCONT. */
  resume(): void;
  /** Stops it and deletes its data directory. */
  stop(): Promise<void>;
}

async function waitForPing(port: number, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error('redis-server exited while starting');
    const reply = await rawRedisCommand(port, 'PING', 500).catch(() => '');
    // While it replays the AOF, Redis answers -LOADING; only +PONG means it serves.
    if (reply.startsWith('+PONG')) return;
    if (Date.now() > deadline) throw new Error(`redis-server on port ${port} did not answer PING in time`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/** Starts a durable redis-server (AOF, fsync always) on a free loopback port. */
export async function startDurableRedis(): Promise<DurableRedis> {
  const port = await freePort();
  const dir = await mkdtemp(join(tmpdir(), 'oauth-store-soak-redis-'));
  const args = [
    ...['--port', String(port), '--bind', '127.0.0.1', '--dir', dir],
    ...['--save', '', '--appendonly', 'yes', '--appendfsync', 'always'],
  ];
  let child: ChildProcess | undefined;
  // Last resort so an interrupted run leaves no server behind.
  const onExit = () => child?.kill('SIGKILL');
  process.once('exit', onExit);
  const launch = async () => {
    child = spawn('redis-server', args, { stdio: 'ignore' });
    await waitForPing(port, child);
  };
  const kill = async () => {
    if (!child) return;
    child.kill('SIGCONT');
    child.kill('SIGKILL');
    await exited(child);
  };
  try {
    await launch();
  } catch (error) {
    process.removeListener('exit', onExit);
    await kill();
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    url: `redis://127.0.0.1:${port}`,
    description: `redis-server on 127.0.0.1:${port}, appendonly yes, appendfsync always`,
    async crashAndRestart() {
      await kill();
      await launch();
    },
    pause: () => child?.kill('SIGSTOP'),
    resume: () => child?.kill('SIGCONT'),
    async stop() {
      process.removeListener('exit', onExit);
      await kill();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
