// MariaDB/MySQL for the tests: MYSQL_URL when set, else the machine's server on 127.0.0.1:3306 (root, no password,
// database `test`) when it answers, else a throwaway MariaDB (mariadb-install-db + mariadbd) on a free loopback port,
// run as the `mysql` user when we are root. As a harness provider (`mysql`, see registry.ts) and as functions for
// callers outside jest (bench, soak, the CLI's tests) and for the restart fault test (startMariaDb).
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { chownSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import mysql from 'mysql2/promise';
import type { BackendProvider, RunningBackend } from './backend';
import { freeLoopbackPort } from './postgres';

const run = promisify(execFile);

/** A server the tests can use. */
export interface MariaDbServer {
  url: string;
  description: string;
  stop(): Promise<void>;
}

/** A throwaway server that tests may also stop and start again (restart faults). */
export interface ThrowawayMariaDb extends MariaDbServer {
  /** Stops the server process (SIGTERM, waits for exit) and starts it again on the same port and data. */
  restart(): Promise<void>;
}

/** True when a server answers `url` with a usable database. */
async function answers(url: string): Promise<true | string> {
  let connection: mysql.Connection | undefined;
  try {
    connection = await mysql.createConnection({ uri: url, connectTimeout: 2000 });
    await connection.query('SELECT 1');
    return true;
  } catch (error) {
    return `${(error as { code?: string }).code ?? (error as Error).message}`;
  } finally {
    await connection?.end().catch(() => {});
  }
}

/** Finds the MariaDB binaries (Debian installs mariadbd in /usr/sbin, often not on PATH). */
async function binary(name: string): Promise<string> {
  for (const dir of ['/usr/sbin', '/usr/bin', '/usr/local/bin', '/usr/local/sbin']) {
    try {
      await run('test', ['-x', join(dir, name)]);
      return join(dir, name);
    } catch {
      // try the next directory
    }
  }
  throw new Error(`${name} not found (install mariadb-server: apt-get install mariadb-server)`);
}

/** Starts a throwaway MariaDB on a free loopback port with its own data directory. */
export async function startMariaDb(): Promise<ThrowawayMariaDb> {
  const installDb = await binary('mariadb-install-db');
  const daemon = await binary('mariadbd');
  const dir = mkdtempSync(join(tmpdir(), 'oauth-store-mariadb-'));
  const asRoot = userInfo().uid === 0;
  const userArgs = asRoot ? ['--user=mysql'] : [];
  if (asRoot) {
    // mariadbd drops to the mysql user, which must own its data directory.
    const { stdout } = await run('id', ['-u', 'mysql']);
    const { stdout: gid } = await run('id', ['-g', 'mysql']);
    chownSync(dir, Number(stdout.trim()), Number(gid.trim()));
  }
  const datadir = join(dir, 'data');
  const socket = join(dir, 'mysqld.sock');
  await run(installDb, [
    '--no-defaults',
    `--datadir=${datadir}`,
    ...userArgs,
    '--auth-root-authentication-method=normal',
    '--skip-test-db',
  ]);
  const port = await freeLoopbackPort();
  let child: ChildProcess | undefined;
  let log = '';
  const start = async (): Promise<void> => {
    child = spawn(
      daemon,
      [
        '--no-defaults',
        `--datadir=${datadir}`,
        `--socket=${socket}`,
        `--port=${port}`,
        '--bind-address=127.0.0.1',
        `--pid-file=${join(dir, 'mysqld.pid')}`,
        '--skip-log-bin',
        '--skip-performance-schema',
        '--innodb-buffer-pool-size=64M',
        '--innodb-flush-log-at-trx-commit=2',
        '--max-connections=500',
        ...userArgs,
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => {
      log = (log + chunk).slice(-4000);
    });
    let exited: string | undefined;
    child.once('exit', (code, signal) => {
      exited = signal ?? String(code);
    });
    const deadline = Date.now() + 60_000;
    for (;;) {
      if (exited !== undefined) throw new Error(`mariadbd exited (${exited}) while starting: ${log}`);
      try {
        const connection = await mysql.createConnection({ socketPath: socket, user: 'root', connectTimeout: 1000 });
        await connection.end();
        return;
      } catch {
        if (Date.now() > deadline) throw new Error(`mariadbd did not accept connections within 60 s: ${log}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };
  const stopProcess = async (): Promise<void> => {
    const current = child;
    if (!current || current.exitCode !== null || current.signalCode !== null) return;
    const exit = new Promise((resolve) => current.once('exit', resolve));
    current.kill('SIGTERM');
    const killer = setTimeout(() => current.kill('SIGKILL'), 30_000);
    await exit;
    clearTimeout(killer);
  };
  await start();
  const admin = await mysql.createConnection({ socketPath: socket, user: 'root' });
  // TCP connections from 127.0.0.1 are not 'root'@'localhost': give them their own passwordless root.
  await admin.query("CREATE USER IF NOT EXISTS 'root'@'127.0.0.1'");
  await admin.query("GRANT ALL PRIVILEGES ON *.* TO 'root'@'127.0.0.1' WITH GRANT OPTION");
  await admin.query('CREATE DATABASE IF NOT EXISTS test');
  const [rows] = (await admin.query('SELECT VERSION() AS version')) as unknown as [Array<{ version: string }>];
  await admin.end();
  return {
    url: `mysql://root@127.0.0.1:${port}/test`,
    description: `throwaway MariaDB ${rows[0]?.version} in ${dir} on 127.0.0.1:${port}`,
    async restart() {
      await stopProcess();
      await start();
    },
    async stop() {
      await stopProcess();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const MACHINE_URL = 'mysql://root@127.0.0.1:3306/test';

/** The machine's server on 127.0.0.1:3306 when it answers, else a throwaway MariaDB; throws naming both tries. */
async function localMariaDb(): Promise<MariaDbServer> {
  const ok = await answers(MACHINE_URL);
  if (ok === true) {
    return {
      url: MACHINE_URL,
      description: 'MariaDB/MySQL on 127.0.0.1:3306 (root, database test)',
      stop: async () => {},
    };
  }
  try {
    return await startMariaDb();
  } catch (error) {
    throw new Error(
      `127.0.0.1:3306 as root, database test: ${ok}; throwaway MariaDB (install mariadb-server: mariadb-install-db and mariadbd): ${(error as Error).message}`,
    );
  }
}

/** The harness provider: MYSQL_URL, else the machine's 127.0.0.1:3306, else a throwaway MariaDB. */
export const mysqlProvider: BackendProvider = {
  name: 'mysql',
  envVar: 'MYSQL_URL',
  async startLocal(): Promise<RunningBackend> {
    const server = await localMariaDb();
    return { env: { MYSQL_URL: server.url }, description: server.description, stop: () => server.stop() };
  },
};

/**
 * MYSQL_URL (checked to answer), else {@link mysqlProvider}'s local way; throws naming every way tried. For callers
 * outside a jest global setup (bench, soak); tests get MYSQL_URL from `ensureBackends(['mysql'])`.
 */
export async function ensureMariaDb(): Promise<MariaDbServer> {
  const given = process.env.MYSQL_URL;
  if (given) {
    const ok = await answers(given);
    if (ok !== true) throw new Error(`MYSQL_URL is set but the server does not answer (${ok}).`);
    return { url: given, description: 'MySQL/MariaDB from MYSQL_URL', stop: async () => {} };
  }
  try {
    return await localMariaDb();
  } catch (error) {
    throw new Error(
      [
        'The MySQL tests need a MySQL 8 or MariaDB 10.6+ server and could not get one. Provide it one of three ways:',
        '  1. point MYSQL_URL at it (mysql://user:pass@host:port/database);',
        '  2. run one on 127.0.0.1:3306 with a passwordless root and a database `test`;',
        '  3. install mariadb-server (mariadb-install-db and mariadbd) so a throwaway server can start on loopback.',
        `What was tried: MYSQL_URL is not set; ${(error as Error).message}`,
      ].join('\n'),
    );
  }
}
