// The peer range of pg is ^8.11.0; every other test file runs the newest pg in the lockfile (the devDependency). This
// one runs the adapter with pg 8.11.0, the floor of the range, installed under the npm alias `pg-lowest`, against the
// same PostgreSQL server as the other tests:
// - `pg` is mapped to the alias for this whole file, so openPostgresStore's own import builds 8.11.0 pools (with its
//   connect timeout, statement_timeout and query_timeout settings). The mapping swaps one real pg for another and
//   records the pools it creates, so the last test can check that every one of them was an 8.11.0 pool.
// - The adapter cases and the contract suite's stores run on pools the caller built from the alias (fromPgPool); the
//   contract's cross-process children build theirs from the alias too (fixtures/pg-lowest-factory.ts), and its
//   lost-response suite opens stores with openPostgresStore (so on 8.11.0 pools).
// pg's own dependencies (pg-pool, pg-protocol, pg-types) are whatever the lockfile resolves for 8.11.0's ranges, the
// newest, as a fresh install of pg 8.11.0 gets them too.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it, jest } from '@jest/globals';
import { isOAuthStoreError } from '@oauth-store/core';
import pgNewest from 'pg'; // a static import, evaluated before the mapping below: the newest pg
import { installedVersion } from '../../../scripts/test-support/installed-version';
import { freeLoopbackPort } from '../../test-servers/src/postgres';
import type { LowestChildConfig } from './fixtures/pg-lowest-factory';
import { databaseUrl, dropTable, newPool, uniqueName } from './helpers';

type Pg = typeof import('pg-lowest').default;

/** Every pool created through the mapped `pg` (that is, by openPostgresStore) in this file. */
const created: unknown[] = [];

jest.unstable_mockModule('pg', async () => {
  // pg is CommonJS: under ESM its exports arrive on `default`.
  const lowest = ((await import('pg-lowest')) as { default: Pg }).default;
  class Pool extends lowest.Pool {
    constructor(config?: ConstructorParameters<Pg['Pool']>[0]) {
      super(config);
      created.push(this);
    }
  }
  const mapped = { ...lowest, Pool };
  return { ...mapped, default: mapped };
});

// After the mapping, so the adapter's modules see it.
const { fromPgPool, openPostgresStore, PostgresStore } = await import('../src/index');
const { runStoreContract, tsxChildOptions } = await import('@oauth-store/contract-tests');
const { adapterCases } = await import('./adapter-cases');
const lowest = ((await import('pg-lowest')) as { default: Pg }).default;

const here = dirname(fileURLToPath(import.meta.url));
const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
  peerDependencies: Record<string, string>;
};
const peerRange = manifest.peerDependencies.pg as string;
const rangeFloor = /\d+\.\d+\.\d+/.exec(peerRange)?.[0];
const lowestVersion = installedVersion('pg-lowest', 'pg', import.meta.url);
const newestVersion = installedVersion('pg', 'pg', import.meta.url);
const bytes = (...values: number[]) => new Uint8Array(values);
const SECRET_KEY = 'authcode-SECRET-7d2e';
/** A pg 8.11.0 pool the caller built, as a user of fromPgPool would. */
const callerPool = new lowest.Pool({ connectionString: databaseUrl(), max: 10 });
const admin = newPool(2); // the harness's own pg (the newest), for white-box reads and clean-up only
const tables: string[] = [];
const table = (prefix: string) => {
  const name = uniqueName(prefix);
  tables.push(name);
  return name;
};

afterAll(async () => {
  await callerPool.end();
  for (const name of tables) await dropTable(admin, 'public', name);
  await admin.end();
});

/** The pg module a pool was built by, told apart by its Client class (pg-pool keeps the one its pg bound it to). */
const clientClassOf = (pool: unknown) => (pool as { Client?: unknown }).Client;

describe(`pg ${lowestVersion} (the floor of the peer range ${peerRange})`, () => {
  it('is the version the adapter loads: the floor of the range, not the newest', async () => {
    expect(lowestVersion).toBe(rangeFloor);
    expect(newestVersion).not.toBe(lowestVersion);
    expect(lowest.Client).not.toBe(pgNewest.Client);
    expect(clientClassOf(callerPool)).toBe(lowest.Client);
    const before = created.length;
    const store = await openPostgresStore({ connectionString: databaseUrl(), table: table('lowest_owned') });
    expect(created.length).toBe(before + 1);
    expect(clientClassOf(created.at(-1))).toBe(lowest.Client);
    expect(await store.set('c', 'k', bytes(1), { onlyIfAbsent: true })).toBe(true);
    expect(await store.set('c', 'k', bytes(2), { onlyIfAbsent: true })).toBe(false);
    expect(await store.take('c', 'k')).toEqual(bytes(1));
    await store.close();
    await expect(store.get('c', 'k')).rejects.toMatchObject({ code: 'closed' });
  });

  it('rejects with a typed, value-free unavailable error, not applied, when nothing listens', async () => {
    const port = await freeLoopbackPort();
    const store = await openPostgresStore({
      connectionString: `postgres://postgres@127.0.0.1:${port}/postgres`,
      table: table('lowest_refused'),
      migrate: false,
      timeoutMs: 2000,
    });
    for (const operation of [
      () => store.get('c', SECRET_KEY),
      () => store.set('c', SECRET_KEY, bytes(1), { onlyIfAbsent: true }),
      () => store.take('c', SECRET_KEY),
    ]) {
      const error = await operation().catch((e: unknown) => e);
      expect(isOAuthStoreError(error, 'unavailable')).toBe(true);
      // ECONNREFUSED: the connection was never made, so nothing can have been applied.
      expect((error as { outcomeUnknown?: boolean }).outcomeUnknown).toBe(false);
      expect((error as Error).message).not.toContain('SECRET');
    }
    await store.close();
  });

  it("bounds a take stuck behind a row lock: the server's statement_timeout answers, so it was not applied", async () => {
    const name = table('lowest_locked');
    const store = await openPostgresStore({ connectionString: databaseUrl(), table: name, timeoutMs: 1000 });
    await store.set('locked', SECRET_KEY, bytes(1));
    const blocker = await admin.connect();
    try {
      await blocker.query('BEGIN');
      await blocker.query(`SELECT 1 FROM ${name} WHERE collection = $1 FOR UPDATE`, [Buffer.from('locked')]);
      const error = await store.take('locked', SECRET_KEY).catch((e: unknown) => e);
      // SQLSTATE 57014 with severity ERROR, as pg 8.11.0 reports it: the statement certainly did nothing.
      expect(error).toMatchObject({ code: 'unavailable', outcomeUnknown: false });
      expect((error as Error).message).not.toContain('SECRET');
    } finally {
      await blocker.query('ROLLBACK');
      blocker.release();
    }
    expect(await store.take('locked', SECRET_KEY)).toEqual(bytes(1));
    await store.close();
  });
});

// The targeted adapter cases (expiry by the application clock, onlyIfAbsent, compare-and-set, concurrent takes, NUL
// bytes, keyset paging) on the caller's 8.11.0 pool, with its bytea decoding for the white-box reads.
adapterCases({
  name: `a pg ${lowestVersion} Pool`,
  table: table('lowest_adapter'),
  client: () => fromPgPool(callerPool),
  raw: async (text, params) => (await callerPool.query(text, params)).rows,
});

// The ByteStore contract on 8.11.0 pools, with smaller rounds than contract.test.ts (which runs the full sizes on the
// newest pg): the races, the cross-process take and compare-and-set (children on the alias, see the fixture) and the
// lost-response suite (openPostgresStore's 8.11.0 pools must not resend a statement whose answer was lost).
const contractTable = table('lowest_contract');
const childConfig: LowestChildConfig = {
  connectionString: databaseUrl(),
  table: contractTable,
  pgVersion: lowestVersion,
};
let migrated: Promise<unknown> | undefined;
const migrateOnce = () => {
  migrated ??= new PostgresStore({ client: fromPgPool(callerPool), table: contractTable }).migrate();
  return migrated;
};

runStoreContract({
  name: `postgres on pg ${lowestVersion}`,
  create: async () => {
    await migrateOnce();
    const pool = new lowest.Pool({ connectionString: databaseUrl(), max: 4 });
    return new PostgresStore({ client: fromPgPool(pool), table: contractTable, closeClient: true });
  },
  takeRounds: 10,
  propertyRuns: 10,
  listKeys: 15,
  crossProcessKeys: 60,
  casRaceWorkers: 2,
  casRaceRounds: 30,
  processFactory: {
    module: join(here, 'fixtures', 'pg-lowest-factory.ts'),
    config: childConfig,
    ...tsxChildOptions({ tsconfig: join(here, '..', 'tsconfig.json') }),
  },
  lostResponses: {
    backend: { host: '127.0.0.1', port: Number(new URL(databaseUrl()).port || 5432) },
    create: async (proxy) => {
      await migrateOnce();
      const url = new URL(databaseUrl());
      url.hostname = proxy.host;
      url.port = String(proxy.port);
      return openPostgresStore({
        connectionString: url.href,
        table: contractTable,
        migrate: false,
        timeoutMs: 1000,
        sweepIntervalMs: 0,
        pool: { max: 2 },
      });
    },
  },
  rawReader: async (collection, key) => {
    const { rows } = await admin.query(`SELECT value FROM ${contractTable} WHERE collection = $1 AND key = $2`, [
      Buffer.from(collection),
      Buffer.from(key),
    ]);
    return rows[0]?.value;
  },
});

it(`every pool openPostgresStore opened in this file is a pg ${lowestVersion} pool`, () => {
  // The tests above plus the lost-response suite's stores.
  expect(created.length).toBeGreaterThan(5);
  expect(new Set(created.map(clientClassOf))).toEqual(new Set([lowest.Client]));
});
