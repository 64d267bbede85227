import { type AddressInfo, createServer, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { isOAuthStoreError, StoreUnavailableError } from '@oauth-store/core';
import pg from 'pg';
import { freeLoopbackPort } from '../../test-servers/src/postgres';
import { fromPgPool, mapPostgresError, openPostgresStore, PostgresStore, postgresNotApplied } from '../src/index';
import { databaseUrl, dropTable, newPool, uniqueName } from './helpers';

const SECRET_KEY = 'authcode-SECRET-4f1c9a';
let pool: pg.Pool;
const table = uniqueName('errors');

beforeAll(async () => {
  pool = newPool(4);
  await new PostgresStore({ client: fromPgPool(pool), table }).migrate();
});

afterAll(async () => {
  await dropTable(pool, 'public', table);
  await pool.end();
});

function expectValueFree(error: unknown): void {
  const text = `${(error as Error).message} ${(error as Error).cause instanceof Error ? ((error as Error).cause as Error).message : ''}`;
  expect(text).not.toContain(SECRET_KEY);
  expect(text).not.toContain(Buffer.from(SECRET_KEY).toString('hex'));
}

describe('error mapping', () => {
  it('rejects every operation with unavailable, quickly, when nothing listens', async () => {
    const port = await freeLoopbackPort();
    const store = await openPostgresStore({
      connectionString: `postgres://postgres@127.0.0.1:${port}/postgres`,
      table,
      migrate: false,
      timeoutMs: 2000,
    });
    const operations = [
      () => store.get('c', SECRET_KEY),
      () => store.set('c', SECRET_KEY, new Uint8Array([1])),
      () => store.set('c', SECRET_KEY, new Uint8Array([1]), { onlyIfAbsent: true }),
      () => store.delete('c', SECRET_KEY),
      () => store.take('c', SECRET_KEY),
      () => store.list('c'),
      () => store.migrate(),
      () => store.sweepExpired(),
    ];
    for (const operation of operations) {
      const started = Date.now();
      const error = await operation().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(StoreUnavailableError);
      expect(isOAuthStoreError(error, 'unavailable')).toBe(true);
      expect(Date.now() - started).toBeLessThan(2000);
      expectValueFree(error);
    }
    await store.close();
  });

  it('bounds a statement stuck behind a lock by timeoutMs (unavailable, no hang) and recovers', async () => {
    // openPostgresStore sets statement_timeout below timeoutMs (750 ms here), so PostgreSQL cancels the statement
    // itself before the client gives up: the take then certainly did nothing.
    const store = await openPostgresStore({ connectionString: databaseUrl(), table, timeoutMs: 1000 });
    await store.set('locked', SECRET_KEY, new Uint8Array([1]));
    const blocker = new pg.Client(databaseUrl());
    await blocker.connect();
    try {
      await blocker.query('BEGIN');
      await blocker.query(`SELECT 1 FROM ${table} WHERE collection = $1 FOR UPDATE`, [Buffer.from('locked')]);
      const started = Date.now();
      const error = await store.take('locked', SECRET_KEY).then(
        () => undefined,
        (e: unknown) => e,
      );
      const elapsed = Date.now() - started;
      expect(isOAuthStoreError(error, 'unavailable')).toBe(true);
      expect(elapsed).toBeGreaterThanOrEqual(700);
      expect(elapsed).toBeLessThan(2000);
      expectValueFree(error);
    } finally {
      await blocker.query('ROLLBACK');
      await blocker.end();
    }
    expect(await store.take('locked', SECRET_KEY)).toEqual(new Uint8Array([1]));
    await store.close();
  });

  it('gives up after timeoutMs even when the server never answers (client-side bound)', async () => {
    // A TCP listener that accepts and then says nothing: no PostgreSQL handshake ever completes.
    const sockets = new Set<Socket>();
    const silent = createServer((socket) => sockets.add(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as AddressInfo;
    const pool = new pg.Pool({ connectionString: `postgres://postgres@127.0.0.1:${port}/postgres` });
    const store = new PostgresStore({ client: fromPgPool(pool), table, timeoutMs: 400 });
    try {
      const started = Date.now();
      await expect(store.get('c', SECRET_KEY)).rejects.toMatchObject({ code: 'unavailable' });
      const elapsed = Date.now() - started;
      expect(elapsed).toBeGreaterThanOrEqual(380);
      expect(elapsed).toBeLessThan(1500);
    } finally {
      await store.close();
      // Hanging up ends the pool's pending connection attempt, so the pool can end.
      for (const socket of sockets) socket.destroy();
      await pool.end();
      await new Promise((resolve) => silent.close(resolve));
    }
  });

  it('never copies a PostgreSQL message or detail that echoes key bytes', async () => {
    // A real server error whose detail names the conflicting key: "Key (collection, key)=(\x.., \x..) already exists."
    const row = [Buffer.from('c'), Buffer.from(SECRET_KEY), Buffer.from([1])];
    await pool.query(`INSERT INTO ${table} (collection, key, value) VALUES ($1, $2, $3)`, row);
    const raw = (await pool.query(`INSERT INTO ${table} (collection, key, value) VALUES ($1, $2, $3)`, row).then(
      () => new Error('the duplicate insert succeeded'),
      (e: unknown) => e,
    )) as Error & { detail?: string };
    expect(raw.detail).toContain(Buffer.from(SECRET_KEY).toString('hex'));
    const mapped = mapPostgresError(raw, 'set');
    expect(mapped.message).toMatch(/^postgres: set failed \(error 23505\)/);
    expectValueFree(mapped);
    expect(JSON.stringify(mapped.cause, Object.getOwnPropertyNames(mapped.cause))).not.toContain(
      Buffer.from(SECRET_KEY).toString('hex'),
    );
  });

  it('refuses invalid options with configuration errors', () => {
    const client = fromPgPool(pool, { handleIdleErrors: false });
    expect(() => new PostgresStore({ client, timeoutMs: 0 })).toThrow(
      expect.objectContaining({ code: 'configuration' }),
    );
    expect(() => new PostgresStore({ client, maxValueBytes: 1e9 })).toThrow(
      expect.objectContaining({ code: 'configuration' }),
    );
    expect(() => new PostgresStore({ client: undefined as never })).toThrow(/fromPgPool/);
  });
});

describe('postgresNotApplied', () => {
  it('proves "not applied" only for refused connections, connect timeouts and server ERRORs', () => {
    expect(postgresNotApplied(Object.assign(new Error('x'), { code: 'ECONNREFUSED' }))).toBe(true);
    expect(postgresNotApplied(new Error('timeout exceeded when trying to connect'))).toBe(true);
    expect(postgresNotApplied(Object.assign(new Error('x'), { code: '57014', severity: 'ERROR' }))).toBe(true);
    expect(postgresNotApplied(Object.assign(new Error('x'), { code: '57P01', severity: 'FATAL' }))).toBe(false);
    expect(postgresNotApplied(Object.assign(new Error('x'), { code: '08006', severity: 'ERROR' }))).toBe(false);
    expect(postgresNotApplied(new Error('Connection terminated unexpectedly'))).toBe(false);
    expect(postgresNotApplied(Object.assign(new Error('x'), { code: 'ECONNRESET' }))).toBe(false);
  });

  it('a take cancelled by statement_timeout is reported as not applied (outcomeUnknown false)', async () => {
    const store = await openPostgresStore({ connectionString: databaseUrl(), table, timeoutMs: 1000 });
    await store.set('locked2', SECRET_KEY, new Uint8Array([1]));
    const blocker = new pg.Client(databaseUrl());
    await blocker.connect();
    try {
      await blocker.query('BEGIN');
      await blocker.query(`SELECT 1 FROM ${table} WHERE collection = $1 FOR UPDATE`, [Buffer.from('locked2')]);
      const error = await store.take('locked2', SECRET_KEY).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'unavailable', outcomeUnknown: false });
    } finally {
      await blocker.query('ROLLBACK');
      await blocker.end();
    }
    expect(await store.take('locked2', SECRET_KEY)).toEqual(new Uint8Array([1]));
    await store.close();
  });
});
