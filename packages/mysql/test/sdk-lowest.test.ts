// The peer range is ^3.9.0; every other test file runs the newest mysql2 in the lockfile (the devDependency). This one
// runs the adapter with mysql2 3.9.0, the floor of the range, installed under the npm alias `mysql2-lowest`, against
// the same MariaDB as the other tests: `mysql2/promise` is mapped to the alias for this file, so createMysqlStore's
// own import gets 3.9.0 (its pool flags, connect timeout and per-connection lock-wait setting), and a pool the caller
// builds from the alias is passed to MysqlStore. The mapping swaps one real mysql2 for another and records the pools
// it creates, so the last test can check that every one of them was a 3.9.0 pool.
import { readFileSync } from 'node:fs';
import { describe, expect, it, jest } from '@jest/globals';
import { isOAuthStoreError } from '@oauth-store/core';
import { installedVersion } from '../../../scripts/test-support/installed-version';
import { runKeyPaths } from '../../../scripts/test-support/key-paths';
import { mysqlUrl, tablesDroppedAfterAll } from './helpers';

type Mysql2 = typeof import('mysql2-lowest/promise');

/** Every pool created through the mapped `mysql2/promise` (that is, by createMysqlStore) in this file. */
const created: unknown[] = [];

jest.unstable_mockModule('mysql2/promise', async () => {
  // mysql2 is CommonJS: under ESM its exports arrive on `default` (and, via jest's lexer, as named exports).
  const imported = (await import('mysql2-lowest/promise')) as Mysql2 & { default?: Mysql2 };
  const lowest = imported.default ?? imported;
  const createPool = ((config: Parameters<Mysql2['createPool']>[0]) => {
    const pool = lowest.createPool(config as never);
    created.push(pool);
    return pool;
  }) as Mysql2['createPool'];
  const mapped = { ...lowest, createPool };
  return { ...mapped, default: mapped };
});

// After the mapping, so the adapter's modules see it.
const { createMysqlStore, MysqlStore, reportsFoundRows } = await import('../src/index');
const { runStoreContract } = await import('@oauth-store/contract-tests');

/** The mysql2 version a pool was built by: mysql2 sends it to the server as the `_client_version` attribute. */
function clientVersion(pool: unknown): string | undefined {
  return (pool as { pool?: { config?: { connectionConfig?: { connectAttributes?: { _client_version?: string } } } } })
    .pool?.config?.connectionConfig?.connectAttributes?._client_version;
}

const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
  peerDependencies: Record<string, string>;
};
const peerRange = manifest.peerDependencies.mysql2 as string;
const rangeFloor = /\d+\.\d+\.\d+/.exec(peerRange)?.[0];
const lowestVersion = installedVersion('mysql2-lowest', 'mysql2', import.meta.url);
const newestVersion = installedVersion('mysql2', 'mysql2', import.meta.url);
const bytes = (...values: number[]) => new Uint8Array(values);
const { admin, table } = tablesDroppedAfterAll(); // the harness's own mysql2 (the newest), for white-box reads only

describe(`mysql2 ${lowestVersion} (the floor of the peer range ${peerRange})`, () => {
  it('is the version the adapter loads: the floor of the range, not the newest', async () => {
    expect(lowestVersion).toBe(rangeFloor);
    expect(newestVersion).not.toBe(lowestVersion);
    const before = created.length;
    const store = await createMysqlStore({ url: mysqlUrl(), table: table('lowest_owned'), sweepIntervalMs: 0 });
    try {
      expect(created.length).toBe(before + 1);
      expect(clientVersion(created.at(-1))).toBe(lowestVersion);
      // The factory turned FOUND_ROWS off on this version too (it reads the merged flags where 3.9.0 keeps them).
      expect(reportsFoundRows(created.at(-1) as never)).toBe(false);
      expect(await store.set('c', 'k', bytes(1), { onlyIfAbsent: true })).toBe(true);
      expect(await store.set('c', 'k', bytes(2), { onlyIfAbsent: true })).toBe(false);
      expect(await store.take('c', 'k')).toEqual(bytes(1));
    } finally {
      await store.close();
    }
    await expect(store.get('c', 'k')).rejects.toMatchObject({ code: 'closed' });
  });

  it('runs the key paths on a pool the caller built from it (default flags, locking-read take)', async () => {
    const imported = (await import('mysql2-lowest/promise')) as Mysql2 & { default?: Mysql2 };
    const lowest = imported.default ?? imported;
    const pool = lowest.createPool({ uri: mysqlUrl(), connectionLimit: 4 });
    expect(clientVersion(pool)).toBe(lowestVersion);
    expect(reportsFoundRows(pool as never)).toBe(true);
    let clock = 1_700_000_000_000;
    const store = new MysqlStore({
      pool: pool as never,
      table: table('lowest_pool'),
      takeStrategy: 'locking-read',
      now: () => clock,
      sweepIntervalMs: 0,
    });
    try {
      await store.migrate();
      await runKeyPaths(store, (ms) => {
        clock += ms;
      });
    } finally {
      await store.close();
      await pool.end();
    }
    const flagged = lowest.createPool({ uri: mysqlUrl(), flags: ['-FOUND_ROWS'] });
    expect(reportsFoundRows(flagged as never)).toBe(false);
    await flagged.end();
  });

  it("bounds a take stuck behind a row lock: the factory's per-connection lock-wait setting works on it", async () => {
    const name = table('lowest_locked');
    const store = await createMysqlStore({ url: mysqlUrl(), table: name, timeoutMs: 2000, sweepIntervalMs: 0 });
    try {
      await store.set('c', 'SECRET-code', bytes(1));
      const blocker = await admin.getConnection();
      try {
        await blocker.query('START TRANSACTION');
        await blocker.query(`SELECT 1 FROM \`${name}\` WHERE collection = ? FOR UPDATE`, [Buffer.from('c')]);
        const error = await store.take('c', 'SECRET-code').catch((e: unknown) => e);
        // innodb_lock_wait_timeout (1 s, set on each new connection) expired on the server: answered, so not applied.
        // Without the setting the client's 2 s deadline would fire first, with outcomeUnknown: true.
        expect(error).toMatchObject({ code: 'unavailable', outcomeUnknown: false });
        expect((error as Error).message).not.toContain('SECRET');
      } finally {
        await blocker.query('ROLLBACK');
        blocker.release();
      }
      expect(await store.take('c', 'SECRET-code')).toEqual(bytes(1));
    } finally {
      await store.close();
    }
  });

  it('rejects with a typed, value-free unavailable error when nothing listens', async () => {
    const store = await createMysqlStore({ url: 'mysql://root@127.0.0.1:9/test', migrate: false, timeoutMs: 2000 });
    try {
      for (const operation of [
        () => store.get('c', 'SECRET-code'),
        () => store.set('c', 'SECRET-code', bytes(1), { onlyIfAbsent: true }),
        () => store.take('c', 'SECRET-code'),
      ]) {
        const error = await operation().catch((e: unknown) => e);
        expect(isOAuthStoreError(error, 'unavailable')).toBe(true);
        // A refused connection proves nothing was applied.
        expect((error as { outcomeUnknown?: boolean }).outcomeUnknown).toBe(false);
        expect((error as Error).message).not.toContain('SECRET');
      }
    } finally {
      await store.close();
    }
  });
});

// The ByteStore contract through createMysqlStore (so on 3.9.0 pools), with smaller rounds than contract.test.ts,
// including the lost-response suite (3.9.0 must not resend a statement). Without a processFactory: child processes
// would load the adapter outside this file's mapping, that is with the newest mysql2; contract.test.ts runs those.
const contractTable = table('lowest_contract');
let migrated: Promise<unknown> | undefined;
const open = async () => {
  migrated ??= createMysqlStore({ url: mysqlUrl(), table: contractTable, sweepIntervalMs: 0 }).then((store) =>
    store.close(),
  );
  await migrated;
  return createMysqlStore({ url: mysqlUrl(), table: contractTable, migrate: false, pool: { connectionLimit: 4 } });
};
runStoreContract({
  name: `mysql on mysql2 ${lowestVersion}`,
  create: open,
  takeRounds: 10,
  propertyRuns: 5,
  listKeys: 15,
  lostResponses: {
    backend: { host: '127.0.0.1', port: Number(new URL(mysqlUrl()).port || 3306) },
    create: async (proxy) => {
      await open().then((store) => store.close());
      const url = new URL(mysqlUrl());
      url.hostname = proxy.host;
      url.port = String(proxy.port);
      // As in contract.test.ts: with `auto`, the take's first command would be SELECT VERSION(), whose lost answer
      // keeps the DELETE from ever being sent, so the suite's lost take could never land.
      return createMysqlStore({
        url: url.href,
        table: contractTable,
        takeStrategy: 'delete-returning',
        migrate: false,
        timeoutMs: 1000,
        sweepIntervalMs: 0,
        pool: { connectionLimit: 2 },
      });
    },
  },
  rawReader: async (collection, key) => {
    const [rows] = (await admin.query(`SELECT value FROM \`${contractTable}\` WHERE collection = ? AND \`key\` = ?`, [
      Buffer.from(collection),
      Buffer.from(key),
    ])) as unknown as [Array<{ value: Buffer }>];
    return rows[0]?.value;
  },
  log: (line) => {
    if (!/NOT registered \(no processFactory\)/.test(line)) console.warn(line);
  },
});

it(`every pool createMysqlStore opened in this file is a mysql2 ${lowestVersion} pool`, () => {
  expect(created.length).toBeGreaterThan(10);
  expect(new Set(created.map(clientVersion))).toEqual(new Set([lowestVersion]));
});
