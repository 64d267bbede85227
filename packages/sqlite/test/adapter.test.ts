import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { createClient } from '@libsql/client';
import { isOAuthStoreError } from '@oauth-store/core';
import fc from 'fast-check';
import { createSqliteStore, descriptor, parseSqliteUrl, SqliteStore, type SqliteStore as Store } from '../src/index';
import { tempDir } from './helpers';

const here = dirname(fileURLToPath(import.meta.url));
const bytes = (...values: number[]) => new Uint8Array(values);
const temp = tempDir();
const file = (name: string) => join(temp.dir, name);

afterAll(() => temp.remove());

/** Starts a tsx child with our tsconfig, collecting its stdout lines. */
function child(script: string, args: string[]): { process: ChildProcessWithoutNullStreams; lines: string[] } {
  const spawned = spawn(process.execPath, ['--import', 'tsx', join(here, 'fixtures', script), ...args], {
    cwd: join(here, '..'),
    env: { ...process.env, TSX_TSCONFIG_PATH: join(here, '..', 'tsconfig.json') },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  let buffer = '';
  spawned.stdout.on('data', (chunk: Buffer) => {
    buffer += chunk.toString();
    const parts = buffer.split('\n');
    buffer = parts.pop() ?? '';
    lines.push(...parts);
  });
  return { process: spawned, lines };
}

/** Acknowledged writes the writer child has made when it is killed. */
const ACKNOWLEDGED_BEFORE_KILL = 100;

async function until(condition: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

function variants(text: string): string[] {
  const stripped = text.normalize('NFD').replace(/\p{Mn}/gu, '');
  return [...new Set([text, text.toUpperCase(), text.toLowerCase(), stripped, text.normalize('NFD'), `${text} `])];
}

describe('SqliteStore on a local file', () => {
  let clock = 1_700_000_000_000;
  let store: Store;

  beforeAll(async () => {
    store = await createSqliteStore({ url: `sqlite:${file('adapter.db')}`, now: () => clock, sweepIntervalMs: 0 });
  });
  afterAll(async () => {
    await store.close();
  });

  it('puts the file in WAL mode with the busy timeout on its connections', async () => {
    const raw = createClient({ url: `file:${file('adapter.db')}` });
    expect((await raw.execute('PRAGMA journal_mode')).rows[0]?.journal_mode).toBe('wal');
    raw.close();
  });

  it("takes the application's own @libsql/client Client without a cast (the README's form; tsc checks the types)", async () => {
    const client = createClient({ url: ':memory:' });
    const store = new SqliteStore({ client, sweepIntervalMs: 0 });
    try {
      await store.migrate();
      expect(await store.set('own', 'k', new TextEncoder().encode('v'))).toBe(true);
      expect(new TextDecoder().decode(await store.take('own', 'k'))).toBe('v');
    } finally {
      await store.close();
      client.close();
    }
  });

  it('keeps case, accent and padding variants apart (BLOB keys; fuzzed against NOCASE)', async () => {
    const collection = 'fuzz';
    const raw = createClient({ url: ':memory:' });
    let collidingUnderNocase = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.constantFrom('Client', 'café', 'ÉCOLE', 'straße', 'naïve'),
          fc.string({ unit: 'grapheme', minLength: 1, maxLength: 10 }),
        ),
        async (text) => {
          const keys = variants(text);
          for (const [i, key] of keys.entries()) expect(await store.set(collection, key, bytes(i))).toBe(true);
          for (const [i, key] of keys.entries()) expect(await store.take(collection, key)).toEqual(bytes(i));
          for (const key of keys.slice(1)) {
            const { rows } = await raw.execute({
              sql: 'SELECT ? = ? COLLATE NOCASE AS same',
              args: [keys[0] as string, key],
            });
            if (Number(rows[0]?.same) === 1) collidingUnderNocase += 1;
          }
        },
      ),
      { numRuns: 60 },
    );
    // The fuzz is meaningful: under a NOCASE text column (SQLite folds ASCII case only) some of these keys collide.
    const { rows } = await raw.execute({ sql: "SELECT 'Client' = 'client' COLLATE NOCASE AS same", args: [] });
    expect(Number(rows[0]?.same)).toBe(1);
    raw.close();
    expect(collidingUnderNocase).toBeGreaterThan(0);
  }, 60_000);

  it('filters expiry in SQL by the application clock; compare-and-set only on the live version', async () => {
    await store.set('e', 'k', bytes(1), { ttlMs: 100 });
    const entry = await store.getEntry('e', 'k');
    expect(entry?.expiresAt).toBe(clock + 100);
    clock += 100;
    expect(await store.get('e', 'k')).toBeUndefined();
    expect(await store.set('e', 'k', bytes(2), { ifVersion: entry?.version as string })).toBe(false);
    expect(await store.set('e', 'k', bytes(3), { onlyIfAbsent: true })).toBe(true);
    const next = await store.getEntry('e', 'k');
    expect(await store.delete('e', 'k', { ifVersion: entry?.version as string })).toBe(false);
    expect(await store.delete('e', 'k', { ifVersion: next?.version as string })).toBe(true);
  });

  it('sweeps expired rows in bounded batches', async () => {
    for (let i = 0; i < 25; i++) await store.set('sweep', `x${i}`, bytes(1), { ttlMs: 5 });
    await store.set('sweep', 'live', bytes(2));
    clock += 5;
    expect(await store.sweepExpired({ batchSize: 10, maxBatches: 1 })).toEqual({ deleted: 10, batches: 1, more: true });
    expect((await store.sweepExpired({ batchSize: 10 })).more).toBe(false);
    expect((await store.list('sweep')).keys).toEqual(['live']);
  });
});

describe('several processes on one file', () => {
  it('waits for another process’s write lock within the busy timeout, and fails typed (not applied) past it', async () => {
    const url = `sqlite:${file('busy.db')}`;
    const store = await createSqliteStore({ url, busyTimeoutMs: 300, sweepIntervalMs: 0 });
    const holder = child('lock-holder.ts', [`file:${file('busy.db')}`]);
    try {
      await until(() => holder.lines.includes('locked'), 'the other process to take the write lock');
      const started = Date.now();
      const error = await store.set('c', 'SECRET-code', bytes(1), { onlyIfAbsent: true }).catch((e: unknown) => e);
      expect(Date.now() - started).toBeGreaterThanOrEqual(280);
      expect(error).toMatchObject({ code: 'unavailable', outcomeUnknown: false });
      expect((error as Error).message).toMatch(/write lock/);
      expect((error as Error).message).not.toContain('SECRET');
      // Released while a write waits: the write goes through once the lock is free.
      const pending = (async () => {
        const deadline = Date.now() + 10_000;
        for (;;) {
          try {
            return await store.set('c', 'k', bytes(2));
          } catch (e) {
            if (Date.now() > deadline) throw e;
          }
        }
      })();
      holder.process.stdin.end('release\n');
      expect(await pending).toBe(true);
      await until(() => holder.lines.includes('released'), 'the other process to commit');
      expect(await store.get('c', 'SECRET-code')).toBeUndefined();
    } finally {
      holder.process.kill();
      await store.close();
    }
  }, 60_000);

  it('migrates idempotently when 4 processes start at once on a new file', async () => {
    const url = `sqlite:${file('migrate.db')}`;
    const children = Array.from({ length: 4 }, () => child('migrate-child.ts', [url]));
    await until(() => children.every(({ lines }) => lines.includes('ready')), 'the children to open the file');
    for (const { process: spawned } of children) spawned.stdin.end('go\n');
    await Promise.all(children.map(({ process: spawned }) => new Promise((resolve) => spawned.once('exit', resolve))));
    expect(children.map(({ lines }) => lines.at(-1))).toEqual(Array(4).fill('migrated'));
    const store = await createSqliteStore({ url, migrate: false, sweepIntervalMs: 0 });
    expect(await store.set('c', 'k', bytes(1))).toBe(true);
    await store.close();
  }, 60_000);

  it('a process killed mid-write leaves a healthy file with every acknowledged write', async () => {
    const url = `sqlite:${file('killed.db')}`;
    const store = await createSqliteStore({ url, sweepIntervalMs: 0 });
    const writer = child('writer.ts', [url]);
    let stderr = '';
    writer.process.stderr.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-2_000);
    });
    let exited = false;
    writer.process.once('exit', () => {
      exited = true;
    });
    try {
      // Killed while it is writing: after some acknowledged writes, however slowly a loaded machine gets there (300
      // writes within 30 s was once too much at load ~45, and the failed test left the writer running).
      await until(
        () => writer.lines.length >= ACKNOWLEDGED_BEFORE_KILL || exited,
        'the writer to acknowledge writes',
        90_000,
      );
      if (exited) throw new Error(`the writer exited before it was killed: ${stderr.trim()}`);
    } finally {
      writer.process.kill('SIGKILL');
      if (!exited) await new Promise((resolve) => writer.process.once('exit', resolve));
    }
    const acknowledged = writer.lines.filter((line) => line.startsWith('k'));
    const raw = createClient({ url: `file:${file('killed.db')}` });
    expect((await raw.execute('PRAGMA integrity_check')).rows[0]?.integrity_check).toBe('ok');
    raw.close();
    const missing = [];
    for (const key of acknowledged) if (!(await store.get('killed', key))) missing.push(key);
    expect(missing).toEqual([]);
    // The file keeps working for everyone else.
    expect(await store.set('killed', 'after', bytes(1), { onlyIfAbsent: true })).toBe(true);
    await store.close();
  }, 120_000);
});

describe('configuration', () => {
  it('parses sqlite: and libsql:// and refuses bad strings without echoing them', () => {
    expect(parseSqliteUrl('sqlite:/var/lib/app/store.db?table=t&timeout=900&busyTimeout=200')).toEqual({
      kind: 'local',
      clientUrl: 'file:///var/lib/app/store.db',
      path: '/var/lib/app/store.db',
      table: 't',
      timeoutMs: 900,
      busyTimeoutMs: 200,
    });
    expect(parseSqliteUrl('sqlite::memory:')).toEqual({ kind: 'local', clientUrl: ':memory:' });
    expect(parseSqliteUrl('libsql://db-org.turso.io?authToken=tok-hunter2&table=t')).toEqual({
      kind: 'remote',
      clientUrl: 'libsql://db-org.turso.io',
      authToken: 'tok-hunter2',
      table: 't',
    });
    for (const text of [
      'redis://u:hunter2@h',
      'sqlite:./x.db?hunter2=1',
      'libsql://h?timeout=hunter2',
      'sqlite:',
      '',
    ]) {
      let error: unknown;
      try {
        parseSqliteUrl(text);
      } catch (caught) {
        error = caught;
      }
      expect(isOAuthStoreError(error, 'configuration')).toBe(true);
      expect((error as Error).message).not.toContain('hunter2');
    }
  });

  it('names a missing directory as a configuration error', async () => {
    const error = await createSqliteStore({ url: `sqlite:${file('no/such/dir/x.db')}` }).catch((e: unknown) => e);
    expect(isOAuthStoreError(error, 'configuration')).toBe(true);
  });

  it('descriptor opens sqlite: stores that answer', async () => {
    expect(descriptor).toMatchObject({ name: 'sqlite', schemes: ['sqlite', 'libsql'] });
    const store = await descriptor.open(`sqlite:${file('descriptor.db')}`);
    expect(store.capabilities).toMatchObject({ compareAndSet: true, atomicTake: true });
    expect(await store.set('c', 'k', bytes(5))).toBe(true);
    expect(await store.take('c', 'k')).toEqual(bytes(5));
    await store.close();
  });

  it('sweeps once a minute by default', async () => {
    jest.useFakeTimers();
    try {
      const statements: string[] = [];
      const client = {
        async execute(statement: { sql: string }) {
          statements.push(statement.sql);
          return { rows: [] };
        },
        async batch() {},
        close() {},
      };
      const store = new SqliteStore({ client });
      await jest.advanceTimersByTimeAsync(60_000);
      expect(statements).toHaveLength(1);
      expect(statements[0]).toMatch(/^DELETE FROM "oauth_store" WHERE rowid IN/);
      await store.close();
    } finally {
      jest.useRealTimers();
    }
  });
});
