import type { RunningBackend } from './backend';
import { providers } from './registry';

/** Thrown when a backend can be had none of the three ways; names all three so the reader can fix it. */
export class BackendUnavailableError extends Error {
  constructor(name: string, envVar: string, reasons: string[]) {
    super(
      [
        `The tests need ${name} and could not get one. Provide it one of three ways:`,
        `  1. point ${envVar} at a running server;`,
        `  2. install it so a throwaway server can start on loopback (see shared test-backends notes / docs/testing.md);`,
        '  3. run a Docker engine so testcontainers can start one.',
        'What was tried:',
        ...reasons.map((reason) => `  - ${reason}`),
      ].join('\n'),
    );
    this.name = 'BackendUnavailableError';
  }
}

async function dockerAnswers(): Promise<boolean> {
  const { execFile } = await import('node:child_process');
  return new Promise((resolve) => {
    execFile('docker', ['info', '--format', '{{.ServerVersion}}'], { timeout: 5_000 }, (error) => resolve(!error));
  });
}

/** Provides one backend: env URL, else a local throwaway server, else testcontainers; else fails loudly. */
export async function ensureBackend(name: string): Promise<RunningBackend> {
  const provider = providers[name];
  if (!provider) throw new Error(`unknown backend "${name}"; known: ${Object.keys(providers).join(', ')}`);
  const given = process.env[provider.envVar];
  if (given) {
    return { env: { [provider.envVar]: given }, description: `${name} from ${provider.envVar}`, stop: async () => {} };
  }
  const reasons: string[] = [`${provider.envVar} is not set`];
  try {
    return await provider.startLocal();
  } catch (error) {
    reasons.push(`local server: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (!provider.startContainer) {
    reasons.push('testcontainers: no container recipe for this backend');
  } else if (!(await dockerAnswers())) {
    reasons.push('testcontainers: no Docker engine answered `docker info`');
  } else {
    try {
      return await provider.startContainer();
    } catch (error) {
      reasons.push(`testcontainers: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  throw new BackendUnavailableError(name, provider.envVar, reasons);
}

// Every backend started in this process, on globalThis because jest loads each project's global setup separately:
// a setup stores its stop function in one well-known global, so a later project's setup overwrote an earlier one's and
// the earlier servers outlived the run (jest then never exits). Any returned stop function stops them all, once.
const STARTED = Symbol.for('oauth-store.test-servers.started');

function startedBackends(): Set<RunningBackend> {
  const holder = globalThis as { [STARTED]?: Set<RunningBackend> };
  holder[STARTED] ??= new Set();
  return holder[STARTED];
}

/** Stops every backend that {@link ensureBackends} started in this process (idempotent). */
export async function stopAllBackends(): Promise<void> {
  const started = startedBackends();
  const backends = [...started];
  started.clear();
  await Promise.allSettled(backends.map((backend) => backend.stop()));
  for (const backend of backends) {
    for (const name of Object.keys(backend.env)) delete process.env[name];
  }
}

/**
 * Provides every named backend, exports its environment variables into `process.env` (jest workers inherit them),
 * and returns a function that stops every backend started in this process. Meant for jest global setup.
 */
export async function ensureBackends(names: string[]): Promise<() => Promise<void>> {
  const started = startedBackends();
  for (const name of names) {
    const provider = providers[name];
    // Another project's global setup in the same jest run may already have provided it.
    if (provider && process.env[provider.envVar]) continue;
    let backend: RunningBackend;
    try {
      backend = await ensureBackend(name);
    } catch (error) {
      await stopAllBackends();
      throw error;
    }
    Object.assign(process.env, backend.env);
    started.add(backend);
    if (!process.env.CI_QUIET) process.stderr.write(`[test-servers] ${backend.description}\n`);
  }
  return stopAllBackends;
}
