/**
 * A throwaway Firestore emulator for the tests: npm `@firestore-emulator/server` (pure JavaScript gRPC), patched by
 * this repository (patches/@firestore-emulator__server@0.3.15.patch) so it honours the documented Firestore semantics
 * the adapter relies on: update_time preconditions, one distinct update time per commit, whole-document replace on
 * set, ordering by `__name__`, query cursors, offset and field projection. Google's own emulator needs Java 21 and a download, so it is not used.
 *
 * The emulator runs in a child Node process, bound to 127.0.0.1 (its own `start()` binds 0.0.0.0, so the child binds
 * the gRPC server itself with the emulator's own `@grpc/grpc-js` copy). A child process also keeps the jest global
 * setup free of the emulator's module format and makes crash / hang / restart fault scenarios one signal away.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync, realpathSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { BackendProvider, RunningBackend } from './backend';

const HOST = '127.0.0.1';
const READY_TIMEOUT_MS = 15_000;
/** Marker the patch adds to the emulator; its absence means `pnpm install` did not apply the patch. */
const PATCH_MARKER = 'oauthStoreCheckUpdateTime';

// Runs in the child (CommonJS, via `node -e`): argv = [emulator entry, port]. Prints one JSON line when listening,
// and exits when told to (SIGTERM) or when the parent goes away (its stdin closes), so no emulator outlives a run.
const CHILD_SCRIPT = `
const { createRequire } = require('node:module');
const [entry, portArg] = process.argv.slice(1);
const { FirestoreServer } = require(entry);
const grpc = createRequire(entry)('@grpc/grpc-js');
const emulator = new FirestoreServer();
const server = emulator.server;
server.bindAsync(${JSON.stringify(HOST)} + ':' + portArg, grpc.ServerCredentials.createInsecure(), (error, port) => {
  if (error) { process.stderr.write(String(error && error.message) + '\\n'); process.exit(1); }
  process.stdout.write(JSON.stringify({ port }) + '\\n');
});
const quit = () => { try { server.forceShutdown(); } finally { process.exit(0); } };
process.on('SIGTERM', quit);
process.on('SIGINT', quit);
process.stdin.on('end', quit);
process.stdin.on('close', quit);
process.stdin.resume();
`;

/** Options for {@link startFirestoreEmulator}. */
export interface FirestoreEmulatorOptions {
  /** Port to listen on; default a free loopback port chosen by the OS. */
  port?: number;
}

/** A patched Firestore emulator process this harness started on loopback. Its data lives in memory only. */
export interface LocalFirestoreEmulator extends RunningBackend {
  /** The port it listens on; kept across {@link LocalFirestoreEmulator.restart}. */
  readonly port: number;
  /** `127.0.0.1:<port>`, the value for `FIRESTORE_EMULATOR_HOST`. */
  readonly host: string;
  /** Kills the process with SIGKILL (a crash; every document is lost) and waits for it to exit. */
  kill(): Promise<void>;
  /** Freezes the process with SIGSTOP: connections stay open but nothing answers (a hung server). */
  pause(): void;
  /** Thaws a process frozen by {@link LocalFirestoreEmulator.pause}. */
  resume(): void;
  /** Starts a new, empty emulator on the same port (after {@link LocalFirestoreEmulator.kill}). */
  restart(): Promise<void>;
}

function emulatorEntry(): string {
  const require = createRequire(import.meta.url);
  let entry: string;
  try {
    // The real path (inside .pnpm/), so the child resolves the emulator's own @grpc/grpc-js copy rather than the
    // one test-servers itself depends on: two grpc copies refuse each other's ServerCredentials.
    entry = realpathSync(require.resolve('@firestore-emulator/server'));
  } catch {
    throw new Error('@firestore-emulator/server is not installed (it is a dependency of @oauth-store/test-servers)');
  }
  if (!readFileSync(entry, 'utf8').includes(PATCH_MARKER)) {
    throw new Error(
      `${entry} is not patched; run \`pnpm install\` so pnpm applies patches/@firestore-emulator__server@0.3.15.patch`,
    );
  }
  return entry;
}

const running = new Set<ChildProcess>();
let exitHookInstalled = false;
function track(child: ChildProcess): void {
  running.add(child);
  child.once('exit', () => running.delete(child));
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    // Last resort so a crashed test run does not leave emulators behind.
    process.once('exit', () => {
      for (const child of running) child.kill('SIGKILL');
    });
  }
}

function spawnEmulator(entry: string, port: number): Promise<{ child: ChildProcess; port: number }> {
  return new Promise((resolve, reject) => {
    // NODE_OPTIONS from jest (--experimental-vm-modules) is irrelevant to the emulator; drop it to keep it quiet.
    const env = { ...process.env };
    delete env.NODE_OPTIONS;
    const child = spawn(process.execPath, ['-e', CHILD_SCRIPT, entry, String(port)], {
      stdio: ['pipe', 'pipe', 'pipe'],
      env,
    });
    track(child);
    let stdout = '';
    let stderr = '';
    const fail = (message: string) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new Error(`${message}${stderr.trim() ? `: ${stderr.trim().slice(-500)}` : ''}`));
    };
    const timer = setTimeout(
      () => fail(`the Firestore emulator did not listen within ${READY_TIMEOUT_MS} ms`),
      READY_TIMEOUT_MS,
    );
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      const line = stdout.split('\n')[0];
      if (stdout.includes('\n') && line) {
        clearTimeout(timer);
        child.removeListener('exit', onExit);
        resolve({ child, port: (JSON.parse(line) as { port: number }).port });
      }
    });
    const onExit = (code: number | null, signal: string | null) =>
      fail(`the Firestore emulator exited before listening (code ${code}, signal ${signal})`);
    child.once('exit', onExit);
    child.once('error', (error) => fail(`could not start node for the Firestore emulator (${error.message})`));
  });
}

function stopChild(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGCONT');
    child.kill(signal);
  });
}

/**
 * Starts the patched Firestore emulator in a child process on 127.0.0.1 and resolves once it listens.
 * Point the SDK at it with `FIRESTORE_EMULATOR_HOST` (the returned `env`) and any project id.
 */
export async function startFirestoreEmulator(options: FirestoreEmulatorOptions = {}): Promise<LocalFirestoreEmulator> {
  const entry = emulatorEntry();
  let { child, port } = await spawnEmulator(entry, options.port ?? 0);
  const version = (createRequire(entry)('../package.json') as { version: string }).version;
  const host = `${HOST}:${port}`;
  return {
    port,
    host,
    // The emulator needs no credentials. Without METADATA_SERVER_DETECTION=none, google-auth-library (under the SDK)
    // probes the GCE metadata server (169.254.169.254, off this machine) before the first call of every client.
    env: { FIRESTORE_EMULATOR_HOST: host, METADATA_SERVER_DETECTION: 'none' },
    description: `@firestore-emulator/server ${version} (patched, see packages/firestore/README.md) on ${host}`,
    kill: () => stopChild(child, 'SIGKILL'),
    pause: () => {
      child.kill('SIGSTOP');
    },
    resume: () => {
      child.kill('SIGCONT');
    },
    async restart() {
      await stopChild(child, 'SIGKILL');
      ({ child } = await spawnEmulator(entry, port));
    },
    stop: () => stopChild(child, 'SIGTERM'),
  };
}

/** The harness provider: `FIRESTORE_EMULATOR_HOST` if set, else a throwaway patched emulator on loopback. */
export const firestoreProvider: BackendProvider = {
  name: 'firestore',
  envVar: 'FIRESTORE_EMULATOR_HOST',
  startLocal: () => startFirestoreEmulator(),
};
