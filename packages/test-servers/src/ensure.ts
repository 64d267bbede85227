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

/**
 * Provides every named backend, exports its environment variables into `process.env` (jest workers inherit them),
 * and returns a function that stops what was started. Meant for jest global setup.
 */
export async function ensureBackends(names: string[]): Promise<() => Promise<void>> {
  const started: RunningBackend[] = [];
  try {
    for (const name of names) {
      const provider = providers[name];
      // Another project's global setup in the same jest run may already have provided it.
      if (provider && process.env[provider.envVar]) continue;
      const backend = await ensureBackend(name);
      Object.assign(process.env, backend.env);
      started.push(backend);
      if (!process.env.CI_QUIET) process.stderr.write(`[test-servers] ${backend.description}\n`);
    }
  } catch (error) {
    await Promise.allSettled(started.map((backend) => backend.stop()));
    throw error;
  }
  return async () => {
    await Promise.allSettled(started.map((backend) => backend.stop()));
  };
}
