import type { RunningBackend } from './backend';
import { providers } from './registry';
import { reportServed } from './report';
import { type BackendWay, FORCED_WAY_VAR, forcedWay } from './way';

/** Thrown when a backend can be had none of the allowed ways; names all three so the reader can fix it. */
export class BackendUnavailableError extends Error {
  constructor(name: string, envVar: string, reasons: string[], forced?: BackendWay) {
    super(
      [
        forced
          ? `The tests need ${name} and ${FORCED_WAY_VAR}=${forced} allows only that way, which could not provide it ` +
            '(the harness does not fall back when a way is forced). The three ways:'
          : `The tests need ${name} and could not get one. Provide it one of three ways:`,
        `  1. point ${envVar} at a running server;`,
        '  2. install it so a throwaway server can start on loopback (see docs/testing.md);',
        '  3. run a Docker engine so testcontainers can start one (Node >= 22.22; scripts/docker/prepare.sh).',
        'What was tried:',
        ...reasons.map((reason) => `  - ${reason}`),
      ].join('\n'),
    );
    this.name = 'BackendUnavailableError';
  }
}

/** A backend the harness provided, with the way that served it and how long that took. */
export interface ProvidedBackend extends RunningBackend {
  /** The backend's harness name. */
  name: string;
  /** Which of the three ways served it. */
  way: BackendWay;
  /** Milliseconds from asking to a backend that answers. */
  startMs: number;
}

/** Undefined when a Docker engine answers `docker info`, else why not. */
async function dockerAnswers(): Promise<string | undefined> {
  // env passed explicitly: under jest, process.env is the test's own copy, which child processes do not inherit.
  const { execFile } = await import('node:child_process');
  return new Promise((resolve) => {
    execFile(
      'docker',
      ['info', '--format', '{{.ServerVersion}}'],
      { timeout: 5_000, env: process.env },
      (error, _stdout, stderr) =>
        resolve(
          error
            ? String(stderr || error.message)
                .trim()
                .split('\n')[0] || 'failed'
            : undefined,
        ),
    );
  });
}

const message = (error: unknown) => (error instanceof Error ? error.message : String(error));

/**
 * Provides one backend: env URL, else a local throwaway server, else testcontainers; else fails loudly. With
 * `OAUTH_STORE_TEST_WAY` set, only that way is tried and nothing falls back.
 */
export async function ensureBackend(name: string): Promise<ProvidedBackend> {
  const provider = providers[name];
  if (!provider) throw new Error(`unknown backend "${name}"; known: ${Object.keys(providers).join(', ')}`);
  const forced = forcedWay();
  const allowed = (way: BackendWay) => forced === undefined || forced === way;
  const started = Date.now();
  const served = (backend: RunningBackend, way: BackendWay): ProvidedBackend => ({
    ...backend,
    name,
    way,
    startMs: Date.now() - started,
  });
  const reasons: string[] = [];

  if (allowed('env')) {
    const given = process.env[provider.envVar];
    if (given) {
      const backend = {
        env: { [provider.envVar]: given },
        description: `${name} from ${provider.envVar}`,
        stop: async () => {},
      };
      return served(backend, 'env');
    }
    reasons.push(`${provider.envVar} is not set`);
  }
  if (allowed('local')) {
    try {
      return served(await provider.startLocal(), 'local');
    } catch (error) {
      reasons.push(`local server: ${message(error)}`);
    }
  }
  if (allowed('testcontainers')) {
    const noEngine = provider.startContainer ? await dockerAnswers() : undefined;
    if (!provider.startContainer) {
      reasons.push('testcontainers: no container recipe for this backend');
    } else if (noEngine) {
      reasons.push(`testcontainers: no Docker engine answered \`docker info\` (${noEngine})`);
    } else {
      try {
        return served(await provider.startContainer(), 'testcontainers');
      } catch (error) {
        reasons.push(`testcontainers: ${message(error)}`);
      }
    }
  }
  throw new BackendUnavailableError(name, provider.envVar, reasons, forced);
}

// Every backend started in this process, on globalThis because jest loads each project's global setup separately:
// a setup stores its stop function in one well-known global, so a later project's setup overwrote an earlier one's and
// the earlier servers outlived the run (jest then never exits). Any returned stop function stops them all, once.
const STARTED = Symbol.for('oauth-store.test-servers.started');

function startedBackends(): Map<string, ProvidedBackend> {
  const holder = globalThis as { [STARTED]?: Map<string, ProvidedBackend> };
  holder[STARTED] ??= new Map();
  return holder[STARTED];
}

/** The backends {@link ensureBackends} provided in this process and not yet stopped, by name. */
export function providedBackends(): ReadonlyMap<string, ProvidedBackend> {
  return startedBackends();
}

/** Stops every backend that {@link ensureBackends} started in this process (idempotent). */
export async function stopAllBackends(): Promise<void> {
  const started = startedBackends();
  const backends = [...started.values()];
  started.clear();
  await Promise.allSettled(backends.map((backend) => backend.stop()));
  for (const backend of backends) {
    // A URL the user gave stays; what the harness started is gone, and so are the variables pointing at it.
    if (backend.way === 'env') continue;
    for (const name of Object.keys(backend.env)) delete process.env[name];
  }
}

/**
 * Provides every named backend, exports its environment variables into `process.env` (jest workers inherit them),
 * logs and reports which way served it (see report.ts), and returns a function that stops every backend started in
 * this process. Meant for jest global setup.
 */
export async function ensureBackends(names: string[]): Promise<() => Promise<void>> {
  const started = startedBackends();
  for (const name of names) {
    // Another project's global setup in the same jest run may already have provided it.
    if (started.has(name)) continue;
    let backend: ProvidedBackend;
    try {
      backend = await ensureBackend(name);
    } catch (error) {
      await stopAllBackends();
      throw error;
    }
    Object.assign(process.env, backend.env);
    started.set(name, backend);
    reportServed({ backend: name, way: backend.way, startMs: backend.startMs, description: backend.description });
    if (!process.env.CI_QUIET) {
      process.stderr.write(
        `[test-servers] ${name} via ${backend.way} (${backend.startMs} ms): ${backend.description}\n`,
      );
    }
  }
  return stopAllBackends;
}
