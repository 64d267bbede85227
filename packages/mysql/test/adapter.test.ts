import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { isOAuthStoreError } from '@oauth-store/core';
import fc from 'fast-check';
import mysql from 'mysql2/promise';
import {
  createMysqlStore,
  descriptor,
  type MysqlPoolLike,
  MysqlStore,
  parseMysqlUrl,
  reportsFoundRows,
} from '../src/index';
import { mysqlUrl, tablesDroppedAfterAll, uniqueName } from './helpers';

const here = dirname(fileURLToPath(import.meta.url));
const bytes = (...values: number[]) => new Uint8Array(values);
const { admin, table } = tablesDroppedAfterAll();

/** Case, accent, width and padding variants of `text`: equal under MySQL's and MariaDB's default collations. */
function variants(text: string): string[] {
  const stripped = text.normalize('NFD').replace(/\p{Mn}/gu, '');
  return [
    ...new Set([
      text,
      text.toUpperCase(),
      text.toLowerCase(),
      stripped,
      stripped.toUpperCase(),
      text.normalize('NFD'),
      `${text} `,
      `${text}  `,
    ]),
  ];
}

describe('MysqlStore on the test server', () => {
  let clock = 1_700_000_000_000;
  let store: MysqlStore;
  let name: string;

  beforeAll(async () => {
    name = table('adapter');
    store = await createMysqlStore({ url: mysqlUrl(), table: name, now: () => clock, sweepIntervalMs: 0 });
  });
  afterAll(async () => {
    await store.close();
  });

  it('keeps case, accent, width and trailing-space variants apart (VARBINARY keys; fuzzed)', async () => {
    const collection = uniqueName('fuzz');
    const base = fc.oneof(
      fc.constantFrom('Client', 'café', 'Ärger', 'straße', 'résumé', 'ÉCOLE', 'naïve', 'Ångström', 'ﬁle'),
      fc.string({ unit: 'grapheme', minLength: 1, maxLength: 10 }),
    );
    let collidingUnderDefaultCollation = 0;
    await fc.assert(
      fc.asyncProperty(base, async (text) => {
        const keys = variants(text);
        for (const [i, key] of keys.entries()) expect(await store.set(collection, key, bytes(i))).toBe(true);
        for (const [i, key] of keys.entries()) expect(await store.get(collection, key)).toEqual(bytes(i));
        // The same strings as the server's default text collation sees them: many of them are one key there.
        for (const key of keys.slice(1)) {
          const [rows] = (await admin.query('SELECT CONVERT(? USING utf8mb4) = CONVERT(? USING utf8mb4) AS same', [
            keys[0],
            key,
          ])) as unknown as [Array<{ same: number }>];
          if (Number(rows[0]?.same) === 1) collidingUnderDefaultCollation += 1;
        }
        for (const [i, key] of keys.entries()) expect(await store.take(collection, key)).toEqual(bytes(i));
      }),
      { numRuns: 60 },
    );
    // The fuzz is meaningful: under the default collation (case- and accent-insensitive, PAD SPACE) these keys collide.
    expect(collidingUnderDefaultCollation).toBeGreaterThan(60);
    expect((await store.list(collection)).keys).toEqual([]);
  }, 120_000);

  it('stores NUL-holding keys and lists in UTF-8 byte order across pages', async () => {
    const collection = uniqueName('list');
    const keys = ['b', 'a', 'é', 'z', '\u0001', 'a\u0000', 'a\u0000b', '😀', '\uffff', 'A', '~', 'ab', 'a '];
    for (const [i, key] of keys.entries()) await store.set(collection, key, bytes(i));
    await store.set(collection, 'expired', bytes(0), { ttlMs: 1 });
    clock += 1;
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await store.list(collection, { limit: 4, cursor });
      seen.push(...page.keys);
      cursor = page.cursor;
    } while (cursor);
    expect(seen).toEqual([...keys].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y))));
  });

  it('filters expiry in SQL by the application clock and stores expires_at as epoch ms', async () => {
    const collection = uniqueName('expiry');
    await store.set(collection, 'k', bytes(7), { ttlMs: 100 });
    const [rows] = (await admin.query(`SELECT expires_at FROM \`${name}\` WHERE collection = ?`, [
      Buffer.from(collection),
    ])) as unknown as [Array<{ expires_at: number | string }>];
    expect(Number(rows[0]?.expires_at)).toBe(clock + 100);
    clock += 99;
    expect(await store.get(collection, 'k')).toEqual(bytes(7));
    clock += 1;
    expect(await store.get(collection, 'k')).toBeUndefined();
    expect(await store.take(collection, 'k')).toBeUndefined();
    expect(await store.delete(collection, 'k')).toBe(false);
    expect(await store.set(collection, 'k', bytes(8), { onlyIfAbsent: true })).toBe(true);
    expect(await store.get(collection, 'k')).toEqual(bytes(8));
    expect(await store.set(collection, 'k', bytes(9), { onlyIfAbsent: true })).toBe(false);
  });

  it('compare-and-set: only the live version applies, in one statement', async () => {
    const collection = uniqueName('cas');
    await store.set(collection, 'k', bytes(1), { ttlMs: 50 });
    const first = await store.getEntry(collection, 'k');
    expect(await store.set(collection, 'k', bytes(2), { ifVersion: first?.version as string })).toBe(true);
    expect(await store.set(collection, 'k', bytes(3), { ifVersion: first?.version as string })).toBe(false);
    expect(await store.delete(collection, 'k', { ifVersion: first?.version as string })).toBe(false);
    const second = await store.getEntry(collection, 'k');
    expect(second?.value).toEqual(bytes(2));
    await store.set(collection, 'e', bytes(4), { ttlMs: 10 });
    const expiring = await store.getEntry(collection, 'e');
    clock += 10;
    expect(await store.set(collection, 'e', bytes(5), { ifVersion: expiring?.version as string })).toBe(false);
    expect(await store.delete(collection, 'k', { ifVersion: second?.version as string })).toBe(true);
  });

  it('sweeps expired rows in bounded batches', async () => {
    const collection = uniqueName('sweep');
    for (let i = 0; i < 25; i++) await store.set(collection, `x${i}`, bytes(1), { ttlMs: 5 });
    await store.set(collection, 'live', bytes(2));
    clock += 5;
    const first = await store.sweepExpired({ batchSize: 10, maxBatches: 1 });
    expect(first).toEqual({ deleted: 10, batches: 1, more: true });
    const rest = await store.sweepExpired({ batchSize: 10 });
    expect(rest.more).toBe(false);
    const [rows] = (await admin.query(`SELECT COUNT(*) AS n FROM \`${name}\` WHERE collection = ?`, [
      Buffer.from(collection),
    ])) as unknown as [Array<{ n: number }>];
    expect(Number(rows[0]?.n)).toBe(1);
  });
});

describe('pools', () => {
  it('works on a pool with mysql2 default flags (FOUND_ROWS): conditional creates stay exact', async () => {
    const pool = mysql.createPool({ uri: mysqlUrl(), connectionLimit: 4 });
    expect(reportsFoundRows(pool as unknown as MysqlPoolLike)).toBe(true);
    let clock = 1_700_000_000_000;
    const store = new MysqlStore({ pool: pool as unknown as MysqlPoolLike, table: table('flags'), now: () => clock });
    await store.migrate();
    expect(await store.set('c', 'k', bytes(1), { onlyIfAbsent: true, ttlMs: 10 })).toBe(true);
    expect(await store.set('c', 'k', bytes(2), { onlyIfAbsent: true })).toBe(false);
    expect(await store.get('c', 'k')).toEqual(bytes(1));
    clock += 10;
    expect(await store.set('c', 'k', bytes(3), { onlyIfAbsent: true })).toBe(true);
    const racers = await Promise.all(
      Array.from({ length: 12 }, (_, i) => store.set('c', 'race', bytes(i), { onlyIfAbsent: true })),
    );
    expect(racers.filter(Boolean)).toHaveLength(1);
    await store.close();
    await pool.end();
  });

  it('the factory owns its pool with FOUND_ROWS off', async () => {
    const store = await createMysqlStore({ url: mysqlUrl(), table: table('owned') });
    expect(await store.set('c', 'k', bytes(1), { onlyIfAbsent: true })).toBe(true);
    expect(await store.set('c', 'k', bytes(1), { onlyIfAbsent: true })).toBe(false);
    await store.close();
    await expect(store.get('c', 'k')).rejects.toMatchObject({ code: 'closed' });
  });
});

describe('migrate', () => {
  it('is idempotent when 4 processes start at once on a missing table', async () => {
    const fresh = table('migrate');
    const children = Array.from({ length: 4 }, () =>
      spawn(process.execPath, ['--import', 'tsx', join(here, 'fixtures', 'migrate-child.ts'), mysqlUrl(), fresh], {
        cwd: join(here, '..'),
        env: { ...process.env, TSX_TSCONFIG_PATH: join(here, '..', 'tsconfig.json') },
        stdio: ['pipe', 'pipe', 'inherit'],
      }),
    );
    const outputs = children.map((child) => {
      let text = '';
      child.stdout.on('data', (chunk: Buffer) => {
        text += chunk.toString();
      });
      return { child, text: () => text };
    });
    // Every child has its connection open before any of them migrates.
    const deadline = Date.now() + 30_000;
    while (!outputs.every(({ text }) => text().includes('ready'))) {
      if (Date.now() > deadline) throw new Error('children did not get ready');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    for (const { child } of outputs) child.stdin.end('go\n');
    const codes = await Promise.all(outputs.map(({ child }) => new Promise((resolve) => child.once('exit', resolve))));
    expect(outputs.map(({ text }) => text().trim().split('\n').at(-1))).toEqual(Array(4).fill('migrated'));
    expect(codes).toEqual([0, 0, 0, 0]);
    // And again, in this process, with 6 concurrent migrations on separate connections.
    const stores = await Promise.all(
      Array.from({ length: 6 }, () => createMysqlStore({ url: mysqlUrl(), table: fresh, migrate: false })),
    );
    await Promise.all(stores.map((store) => store.migrate()));
    await Promise.all(stores.map((store) => store.close()));
  }, 60_000);

  it('prints the DDL with VARBINARY keys', () => {
    const store = new MysqlStore({ pool: { query() {}, getConnection() {} } as never, sweepIntervalMs: 0 });
    expect(store.migrationSql()).toMatch(/collection VARBINARY\(256\) NOT NULL,\n {2}`key` VARBINARY\(1024\)/);
  });
});

describe('configuration and errors', () => {
  it('parses mysql:// and mariadb:// and refuses bad strings without echoing them', () => {
    expect(parseMysqlUrl('mariadb://app:s%40cret@db.internal/app?table=t&timeout=900&ssl=true')).toEqual({
      host: 'db.internal',
      port: 3306,
      user: 'app',
      password: 's@cret',
      database: 'app',
      ssl: true,
      table: 't',
      timeoutMs: 900,
    });
    for (const text of [
      'postgres://u:hunter2@h/db',
      'mysql://u:hunter2@h',
      'mysql://u:hunter2@h/db?bogus=1',
      'mysql://h/db?hunter2=1',
      '',
    ]) {
      let error: unknown;
      try {
        parseMysqlUrl(text);
      } catch (caught) {
        error = caught;
      }
      expect(isOAuthStoreError(error, 'configuration')).toBe(true);
      expect((error as Error).message).not.toContain('hunter2');
    }
    expect(() => parseMysqlUrl(undefined)).toThrow(/no connection string/);
  });

  it('rejects every operation with a typed, value-free unavailable error, quickly, when nothing listens', async () => {
    const store = await createMysqlStore({ url: 'mysql://root@127.0.0.1:9/test', migrate: false, timeoutMs: 2000 });
    for (const operation of [
      () => store.get('c', 'SECRET-code'),
      () => store.set('c', 'SECRET-code', bytes(1), { onlyIfAbsent: true }),
      () => store.take('c', 'SECRET-code'),
      () => store.migrate(),
    ]) {
      const started = Date.now();
      const error = await operation().catch((e: unknown) => e);
      expect(isOAuthStoreError(error, 'unavailable')).toBe(true);
      // A refused connection proves nothing was applied.
      expect((error as { outcomeUnknown?: boolean }).outcomeUnknown).toBe(false);
      expect((error as Error).message).not.toContain('SECRET');
      expect(Date.now() - started).toBeLessThan(2000);
    }
    await store.close();
  });

  it('bounds a take stuck behind a row lock: the server gives up first, so the take certainly did nothing', async () => {
    const name = table('locked');
    const store = await createMysqlStore({ url: mysqlUrl(), table: name, timeoutMs: 2000, sweepIntervalMs: 0 });
    await store.set('c', 'SECRET-code', bytes(1));
    const blocker = await mysql.createConnection({ uri: mysqlUrl() });
    try {
      await blocker.query('START TRANSACTION');
      await blocker.query(`SELECT 1 FROM \`${name}\` WHERE collection = ? FOR UPDATE`, [Buffer.from('c')]);
      const started = Date.now();
      const error = await store.take('c', 'SECRET-code').catch((e: unknown) => e);
      expect(Date.now() - started).toBeLessThan(2000);
      // innodb_lock_wait_timeout (1 s here) expired on the server: an answered error, so not applied.
      expect(error).toMatchObject({ code: 'unavailable', outcomeUnknown: false });
      expect((error as Error).message).not.toContain('SECRET');
    } finally {
      await blocker.query('ROLLBACK');
      await blocker.end();
    }
    expect(await store.take('c', 'SECRET-code')).toEqual(bytes(1));
    await store.close();
  });

  it('reports a missing table as a configuration error that says to migrate', async () => {
    const store = await createMysqlStore({ url: mysqlUrl(), table: uniqueName('missing'), migrate: false });
    const error = await store.get('c', 'SECRET-code').catch((e: unknown) => e);
    expect(isOAuthStoreError(error, 'configuration')).toBe(true);
    expect((error as Error).message).toMatch(/migrate\(\)/);
    await store.close();
  });

  it('descriptor opens mysql:// and mariadb:// stores that answer', async () => {
    expect(descriptor).toMatchObject({ name: 'mysql', schemes: ['mysql', 'mariadb'] });
    const url = new URL(mysqlUrl());
    url.searchParams.set('table', table('descriptor'));
    const store = await descriptor.open(url.href.replace(/^mysql:/, 'mariadb:'));
    expect(store.capabilities).toMatchObject({ compareAndSet: true, atomicTake: true, name: 'mysql' });
    expect(await store.set('c', 'k', bytes(7))).toBe(true);
    expect(await store.take('c', 'k')).toEqual(bytes(7));
    await store.close();
  });

  it('sweeps once a minute by default', async () => {
    jest.useFakeTimers();
    try {
      const statements: string[] = [];
      const pool = {
        async query(options: { sql: string }) {
          statements.push(options.sql);
          return [{ affectedRows: 0 }, undefined];
        },
        getConnection() {
          throw new Error('unused');
        },
      };
      const store = new MysqlStore({ pool: pool as never });
      await jest.advanceTimersByTimeAsync(60_000);
      expect(statements).toHaveLength(1);
      expect(statements[0]).toMatch(/^DELETE FROM `oauth_store` WHERE expires_at <= \? LIMIT 1000$/);
      await store.close();
    } finally {
      jest.useRealTimers();
    }
  });
});
