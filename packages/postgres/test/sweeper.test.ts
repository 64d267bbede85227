import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import type { OAuthStoreError } from '@oauth-store/core';
import pg from 'pg';
import { freeLoopbackPort } from '../../test-servers/src/postgres';
import { fromPgPool, PostgresStore, type SqlClient } from '../src/index';
import { dropTable, newPool, uniqueName, waitFor } from './helpers';

const here = dirname(fileURLToPath(import.meta.url));
let pool: pg.Pool;
const table = uniqueName('sweep');
const clock = { now: 1_800_000_000_000 };

beforeAll(async () => {
  pool = newPool(6);
  await new PostgresStore({ client: fromPgPool(pool), table }).migrate();
});

afterAll(async () => {
  await dropTable(pool, 'public', table);
  await pool.end();
});

async function rowCount(collection: string): Promise<number> {
  const { rows } = await pool.query(`SELECT count(*)::int AS n FROM ${table} WHERE collection = $1`, [
    Buffer.from(collection),
  ]);
  return rows[0].n;
}

async function fill(store: PostgresStore, collection: string, expired: number, live: number): Promise<void> {
  for (let i = 0; i < expired; i++) await store.set(collection, `expired-${i}`, new Uint8Array([1]), { ttlMs: 10 });
  for (let i = 0; i < live; i++) await store.set(collection, `live-${i}`, new Uint8Array([2]), { ttlMs: 60_000 });
  await store.set(collection, 'forever', new Uint8Array([3]));
}

/** Counts the sweep statements a store sends. */
function counting(client: SqlClient): SqlClient & { sweeps: number } {
  const wrapped = {
    driver: client.driver,
    sweeps: 0,
    query(text: string, params: readonly unknown[]) {
      if (text.startsWith('WITH doomed')) wrapped.sweeps += 1;
      return client.query(text, params);
    },
  };
  return wrapped;
}

describe('sweepExpired', () => {
  it('deletes only expired rows, in bounded batches, and reports the counts', async () => {
    const store = new PostgresStore({ client: fromPgPool(pool), table, now: () => clock.now });
    const collection = uniqueName('c');
    await fill(store, collection, 25, 5);
    clock.now += 10;
    // Other collections' expired rows are swept too (the sweeper works table-wide); measure ours by counting rows.
    const limited = await store.sweepExpired({ batchSize: 10, maxBatches: 1 });
    expect(limited).toMatchObject({ batches: 1, more: true });
    expect(limited.deleted).toBe(10);
    expect(await rowCount(collection)).toBe(21);
    const rest = await store.sweepExpired({ batchSize: 10 });
    expect(rest.deleted).toBeGreaterThanOrEqual(15);
    expect(rest.more).toBe(false);
    expect(await rowCount(collection)).toBe(6);
    expect((await store.list(collection)).keys).toEqual(['forever', 'live-0', 'live-1', 'live-2', 'live-3', 'live-4']);
    await store.close();
  });

  it('splits the work between concurrent sweepers without double counting', async () => {
    const stores = Array.from(
      { length: 3 },
      () => new PostgresStore({ client: fromPgPool(pool), table, now: () => clock.now }),
    );
    const collection = uniqueName('c');
    await fill(stores[0] as PostgresStore, collection, 60, 3);
    clock.now += 10;
    const before = await pool.query(`SELECT count(*)::int AS n FROM ${table} WHERE expires_at <= $1`, [clock.now]);
    const results = await Promise.all(stores.map((store) => store.sweepExpired({ batchSize: 7 })));
    expect(results.reduce((sum, result) => sum + result.deleted, 0)).toBe(before.rows[0].n);
    expect(await rowCount(collection)).toBe(4);
    await Promise.all(stores.map((store) => store.close()));
  });

  it('runs on the sweepIntervalMs timer until close() stops it', async () => {
    const client = counting(fromPgPool(pool));
    const store = new PostgresStore({ client, table, now: () => clock.now, sweepIntervalMs: 25, sweepBatchSize: 4 });
    const collection = uniqueName('c');
    await fill(store, collection, 9, 1);
    clock.now += 10;
    await waitFor(async () => (await rowCount(collection)) === 2, 5000, 'the timer to sweep the expired rows');
    await store.close();
    const sweepsAtClose = client.sweeps;
    // Nothing may sweep after close(): give a stopped timer many intervals to misbehave.
    await new Promise((resolve) => setTimeout(resolve, 250));
    expect(client.sweeps).toBe(sweepsAtClose);
  });

  it('hands timer failures to onSweepError as typed, value-free errors and keeps going', async () => {
    const port = await freeLoopbackPort(); // nothing listens there
    const deadPool = new pg.Pool({ connectionString: `postgres://postgres@127.0.0.1:${port}/postgres` });
    const errors: OAuthStoreError[] = [];
    const store = new PostgresStore({
      client: fromPgPool(deadPool),
      table,
      sweepIntervalMs: 20,
      onSweepError: (error) => errors.push(error),
    });
    await waitFor(async () => errors.length >= 2, 5000, 'two failed sweeps');
    await store.close();
    await deadPool.end();
    expect(errors[0]).toMatchObject({ code: 'unavailable', source: 'postgres' });
    expect(errors[0]?.message).toMatch(/^postgres: sweepExpired failed \(Error ECONNREFUSED\)/);
  });

  // Issue 13, item 7: expired rows used to pile up unless sweepIntervalMs was set.
  it('sweeps once a minute by default (at most 10 batches a tick), and never with sweepIntervalMs: 0', async () => {
    jest.useFakeTimers();
    try {
      const stand = (): SqlClient & { statements: string[] } => {
        const client = {
          driver: 'stand-in',
          statements: [] as string[],
          async query(text: string) {
            client.statements.push(text);
            return { rows: [{ deleted: 1000 }] }; // always a full batch: only the per-tick cap stops it
          },
        };
        return client;
      };
      const byDefault = stand();
      const off = stand();
      const store = new PostgresStore({ client: byDefault });
      const quiet = new PostgresStore({ client: off, sweepIntervalMs: 0 });
      await jest.advanceTimersByTimeAsync(59_999);
      expect(byDefault.statements).toHaveLength(0);
      await jest.advanceTimersByTimeAsync(1);
      expect(byDefault.statements).toHaveLength(10);
      expect(byDefault.statements.every((text) => text.startsWith('WITH doomed'))).toBe(true);
      await jest.advanceTimersByTimeAsync(60_000);
      expect(byDefault.statements).toHaveLength(20);
      expect(off.statements).toHaveLength(0);
      await store.close();
      await quiet.close();
    } finally {
      jest.useRealTimers();
    }
  });

  it("never keeps a process alive on its own (the timer is unref'd)", async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(here, 'fixtures', 'sweeper-child.ts')], {
      cwd: join(here, '..'),
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    const started = Date.now();
    const code = await new Promise<number | null>((resolve) => {
      const killer = setTimeout(() => child.kill(), 20_000);
      // 'close', not 'exit': the output is read below, and 'exit' can come before its last chunk.
      child.once('close', (exitCode) => {
        clearTimeout(killer);
        resolve(exitCode);
      });
    });
    expect(output).toContain('swept');
    expect(code).toBe(0);
    expect(Date.now() - started).toBeLessThan(20_000);
  }, 30_000);
});
