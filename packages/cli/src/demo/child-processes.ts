import { type ChildProcess, fork } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RoundTripCounts } from './counting-store';

const here = dirname(fileURLToPath(import.meta.url));

/**
 * The instance entry point next to this module: `instance-main.ts` when running from source (tsx, jest), or
 * `demo-instance.js` in the built package (everything is bundled into `dist/`).
 */
function instanceEntry(): string {
  for (const candidate of [join(here, 'instance-main.ts'), join(here, 'demo-instance.js')]) {
    if (existsSync(candidate)) return candidate;
  }
  throw new Error('the demo instance entry point is missing from the installed package; reinstall @oauth-store/cli.');
}

function usesTsx(execArgv: readonly string[]): boolean {
  return execArgv.some((arg) => arg.includes('tsx'));
}

/** Every child this process started and has not yet seen exit. */
const live = new Set<ChildProcess>();

/**
 * Forks one demo instance with its config. From source, the child runs through tsx with this package's tsconfig (which
 * maps `@oauth-store/*` to the workspace sources), so the demo needs no build step.
 */
export function forkInstance(config: unknown): ChildProcess {
  const entry = instanceEntry();
  const fromSource = entry.endsWith('.ts');
  const env: NodeJS.ProcessEnv = { ...process.env, OAUTH_STORE_DEMO_INSTANCE: JSON.stringify(config) };
  if (fromSource && !env.TSX_TSCONFIG_PATH) env.TSX_TSCONFIG_PATH = resolve(here, '../../tsconfig.json');
  const execArgv =
    fromSource && !usesTsx(process.execArgv) ? [...process.execArgv, '--import', 'tsx'] : process.execArgv;
  const child = fork(entry, [], { env, execArgv, stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
  live.add(child);
  child.once('exit', () => live.delete(child));
  return child;
}

/** Waits for the child's `ready` message; rejects with its own failure message, or when it exits or times out. */
export function waitReady(child: ChildProcess, timeoutMs: number): Promise<number> {
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString('utf8')).slice(-2_000);
  });
  return new Promise((resolvePort, reject) => {
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`a demo instance did not start within ${timeoutMs} ms.`));
    }, timeoutMs);
    const onMessage = (message: { type?: string; port?: number; message?: string }) => {
      if (message?.type === 'ready' && typeof message.port === 'number') {
        cleanup();
        resolvePort(message.port);
      } else if (message?.type === 'failed') {
        cleanup();
        reject(new Error(`a demo instance failed to start: ${message.message}`));
      }
    };
    const onExit = (code: number | null) => {
      cleanup();
      const detail = stderr.trim().split('\n').slice(-3).join(' | ');
      reject(new Error(`a demo instance exited (code ${code}) before it was ready${detail ? `: ${detail}` : '.'}`));
    };
    const cleanup = () => {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
    };
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}

/** Asks a running instance for its store round-trip counts (see `instance-main.ts`). */
export function askRoundTrips(
  child: ChildProcess,
  timeoutMs: number,
): Promise<{ counts: RoundTripCounts; eventLoopDelayMs: number }> {
  return new Promise((resolveCounts, reject) => {
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`a demo instance did not report its store round trips within ${timeoutMs} ms.`));
    }, timeoutMs);
    const onMessage = (message: { type?: string; counts?: RoundTripCounts; eventLoopDelayMs?: number }) => {
      if (message?.type === 'round-trips' && message.counts) {
        cleanup();
        resolveCounts({ counts: message.counts, eventLoopDelayMs: message.eventLoopDelayMs ?? 0 });
      }
    };
    const onExit = () => {
      cleanup();
      reject(new Error('a demo instance exited while reporting its store round trips.'));
    };
    const cleanup = () => {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
    };
    child.on('message', onMessage);
    child.once('exit', onExit);
    child.send({ type: 'round-trips' });
  });
}

/** Counts `child` (a process not started by {@link forkInstance}) among those killed on a hard exit. */
export function trackChild(child: ChildProcess): void {
  if (child.exitCode !== null || child.signalCode !== null) return;
  live.add(child);
  child.once('exit', () => live.delete(child));
}

/** Stops children: SIGTERM, then SIGKILL after `graceMs`; resolves once every one has exited. */
export async function stopChildren(children: Iterable<ChildProcess>, graceMs = 3_000): Promise<void> {
  await Promise.all(
    [...children].map(
      (child) =>
        new Promise<void>((resolveExit) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolveExit();
          const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
          child.once('exit', () => {
            clearTimeout(timer);
            resolveExit();
          });
          child.kill('SIGTERM');
        }),
    ),
  );
}

/** Stops every child this process forked and that is still running. */
export function stopAllChildren(): Promise<void> {
  return stopChildren(live);
}

/** Synchronous last resort on process exit: SIGKILL whatever is left. */
export function killAllChildrenNow(): void {
  for (const child of live) child.kill('SIGKILL');
}
