// The peer range is >=0.15.0 <1; every other test file runs the newest @libsql/client in the lockfile (the
// devDependency). This one runs the adapter with 0.15.0, the floor of the range, installed under the npm alias
// `@libsql/client-lowest`, on local database files as the other tests do: `@libsql/client` is mapped to the alias for
// this file, so createSqliteStore's own import gets 0.15.0 (WAL, busy timeout, synchronous, migrate), and a client the
// caller builds from the alias is passed to SqliteStore. The mapping swaps one real client for another and records the
// clients it creates, so the last test can check that createSqliteStore only ever got 0.15.0 clients.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it, jest } from '@jest/globals';
import { isOAuthStoreError } from '@oauth-store/core';
import { installedVersion } from '../../../scripts/test-support/installed-version';
import { runKeyPaths } from '../../../scripts/test-support/key-paths';
import type { SqliteClientLike } from '../src/index';
import { tempDir } from './helpers';

type Libsql = typeof import('@libsql/client-lowest');
/** A real Client as the store's structural type (TypeScript does not match `args: unknown[]` with InArgs, any version). */
const asClientLike = (client: SqliteClientLike) => client;

/** Every client created through the mapped `@libsql/client` (that is, by createSqliteStore) in this file. */
const created: unknown[] = [];
let lowestCreateClient: Libsql['createClient'] | undefined;

jest.unstable_mockModule('@libsql/client', async () => {
  const lowest = await import('@libsql/client-lowest');
  lowestCreateClient = lowest.createClient;
  const createClient = ((config: Parameters<Libsql['createClient']>[0]) => {
    const client = lowest.createClient(config);
    created.push(client);
    return client;
  }) as Libsql['createClient'];
  return { ...lowest, createClient };
});

// After the mapping, so the adapter's modules see it.
const { createSqliteStore, SqliteStore } = await import('../src/index');
const { runStoreContract } = await import('@oauth-store/contract-tests');
const lowest = await import('@libsql/client-lowest');
const { Sqlite3Client: LowestSqlite3Client } = await import('@libsql/client-lowest/sqlite3');
const { Sqlite3Client: NewestSqlite3Client } = await import('@libsql/client/sqlite3'); // not mapped

const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
  peerDependencies: Record<string, string>;
};
const peerRange = manifest.peerDependencies['@libsql/client'] as string;
const rangeFloor = /\d+\.\d+\.\d+/.exec(peerRange)?.[0];
const lowestVersion = installedVersion('@libsql/client-lowest', '@libsql/client', import.meta.url);
const newestVersion = installedVersion('@libsql/client', '@libsql/client', import.meta.url);
const bytes = (...values: number[]) => new Uint8Array(values);
const temp = tempDir('oauth-store-sqlite-lowest-');
const file = (name: string) => join(temp.dir, name);
const raw = lowest.createClient({ url: `file:${file('contract.db')}` }); // white-box reads for the contract below

afterAll(() => {
  raw.close();
  temp.remove();
});

describe(`@libsql/client ${lowestVersion} (the floor of the peer range ${peerRange})`, () => {
  it('is the version the adapter loads: the floor of the range, not the newest', async () => {
    expect(lowestVersion).toBe(rangeFloor);
    expect(newestVersion).not.toBe(lowestVersion);
    const before = created.length;
    const store = await createSqliteStore({ url: `sqlite:${file('owned.db')}`, sweepIntervalMs: 0 });
    try {
      expect(created.length).toBe(before + 1);
      expect(lowestCreateClient).toBe(lowest.createClient);
      expect(LowestSqlite3Client).not.toBe(NewestSqlite3Client);
      expect(created.at(-1)).toBeInstanceOf(LowestSqlite3Client);
      expect(await store.set('c', 'k', bytes(1), { onlyIfAbsent: true })).toBe(true);
      expect(await store.set('c', 'k', bytes(2), { onlyIfAbsent: true })).toBe(false);
      expect(await store.take('c', 'k')).toEqual(bytes(1));
      const other = lowest.createClient({ url: `file:${file('owned.db')}` });
      expect((await other.execute('PRAGMA journal_mode')).rows[0]?.journal_mode).toBe('wal');
      other.close();
    } finally {
      await store.close();
    }
    await expect(store.get('c', 'k')).rejects.toMatchObject({ code: 'closed' });
  });

  it('runs the key paths on a client the caller built from it', async () => {
    const client = lowest.createClient({ url: `file:${file('own-client.db')}` });
    expect(client).toBeInstanceOf(LowestSqlite3Client);
    let clock = 1_700_000_000_000;
    const store = new SqliteStore({ client: asClientLike(client), now: () => clock, sweepIntervalMs: 0 });
    try {
      await store.migrate();
      await runKeyPaths(store, (ms) => {
        clock += ms;
      });
      expect(await store.sweepExpired()).toMatchObject({ deleted: 0 });
    } finally {
      await store.close();
      client.close();
    }
  });

  it('waits for another connection’s write lock within the busy timeout, then fails typed (not applied)', async () => {
    // 0.15.0 ignores createClient's `timeout` option: the wait comes from the factory's PRAGMA busy_timeout.
    const store = await createSqliteStore({ url: `sqlite:${file('busy.db')}`, busyTimeoutMs: 300, sweepIntervalMs: 0 });
    try {
      const holder = lowest.createClient({ url: `file:${file('busy.db')}` });
      const tx = await holder.transaction('write');
      try {
        const started = Date.now();
        const error = await store.set('c', 'SECRET-code', bytes(1), { onlyIfAbsent: true }).catch((e: unknown) => e);
        expect(Date.now() - started).toBeGreaterThanOrEqual(280);
        expect(error).toMatchObject({ code: 'unavailable', outcomeUnknown: false });
        expect((error as Error).message).toMatch(/write lock/);
        expect((error as Error).message).not.toContain('SECRET');
      } finally {
        await tx.rollback();
        holder.close();
      }
      expect(await store.set('c', 'SECRET-code', bytes(2), { onlyIfAbsent: true })).toBe(true);
    } finally {
      await store.close();
    }
  });

  it('names a missing directory as a configuration error, and a closed client as unavailable', async () => {
    const error = await createSqliteStore({ url: `sqlite:${file('missing/dir/x.db')}` }).catch((e: unknown) => e);
    expect(isOAuthStoreError(error, 'configuration')).toBe(true);
    const client = lowest.createClient({ url: `file:${file('closed-client.db')}` });
    const store = new SqliteStore({ client: asClientLike(client), sweepIntervalMs: 0 });
    await store.migrate();
    client.close();
    const closed = await store.set('c', 'SECRET-code', bytes(1)).catch((e: unknown) => e);
    expect(isOAuthStoreError(closed, 'unavailable')).toBe(true);
    expect((closed as Error).message).not.toContain('SECRET');
    await store.close();
  });
});

// The ByteStore contract through createSqliteStore (so on 0.15.0 clients) on one file, with smaller rounds than
// contract.test.ts. Without a processFactory: child processes would load the adapter outside this file's mapping,
// that is with the newest client; contract.test.ts runs those.
const contractUrl = `sqlite:${file('contract.db')}`;
let migrated: Promise<unknown> | undefined;
runStoreContract({
  name: `sqlite on @libsql/client ${lowestVersion}`,
  create: async () => {
    migrated ??= createSqliteStore({ url: contractUrl, sweepIntervalMs: 0 }).then((store) => store.close());
    await migrated;
    return createSqliteStore({ url: contractUrl, migrate: false });
  },
  takeRounds: 10,
  propertyRuns: 5,
  listKeys: 15,
  rawReader: async (collection, key) => {
    const { rows } = await raw.execute({
      sql: 'SELECT value FROM oauth_store WHERE collection = ? AND key = ?',
      args: [Buffer.from(collection), Buffer.from(key)],
    });
    return rows[0] ? new Uint8Array(rows[0].value as ArrayBuffer) : undefined;
  },
  // Expected notices: no processFactory (above), and no lost-response suite (no wire to a local file).
  log: (line) => {
    if (!/(NOT registered \(no processFactory\)|lost-response suite NOT registered)/.test(line)) console.warn(line);
  },
});

it(`every client createSqliteStore opened in this file is an @libsql/client ${lowestVersion} client`, () => {
  expect(created.length).toBeGreaterThan(10);
  expect(created.filter((client) => !(client instanceof LowestSqlite3Client))).toEqual([]);
});
