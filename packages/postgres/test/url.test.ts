import { describe, expect, it } from '@jest/globals';
import { isOAuthStoreError } from '@oauth-store/core';
import { descriptor, openPGliteStore, openPostgresStore, parsePostgresUrl } from '../src/index';
import { databaseUrl, uniqueName } from './helpers';

describe('connection strings', () => {
  it('parses postgres://, postgresql:// and pglite: with the store parameters taken out', () => {
    expect(parsePostgresUrl('postgres://u:p@db:5432/app?schema=s&table=t&timeout=900&sslmode=require')).toEqual({
      kind: 'pg',
      connectionString: 'postgres://u:p@db:5432/app?sslmode=require',
      schema: 's',
      table: 't',
      timeoutMs: 900,
    });
    expect(parsePostgresUrl('postgresql://db/app')).toEqual({ kind: 'pg', connectionString: 'postgresql://db/app' });
    expect(parsePostgresUrl('pglite:./data?table=t')).toEqual({ kind: 'pglite', dataDir: './data', table: 't' });
    expect(parsePostgresUrl('pglite:')).toEqual({ kind: 'pglite' });
  });

  it('refuses other schemes and bad parameters without echoing the string (it may hold a password)', () => {
    for (const text of ['redis://u:hunter2@h', 'postgres://u:hunter2@h/db?timeout=-1', 'no-scheme-hunter2']) {
      let error: unknown;
      try {
        parsePostgresUrl(text);
      } catch (caught) {
        error = caught;
      }
      expect(isOAuthStoreError(error, 'configuration')).toBe(true);
      expect((error as Error).message).not.toContain('hunter2');
    }
  });

  // Issue 13, item 3: an unset DATABASE_URL used to surface as a pg_hba.conf refusal from pg's localhost default.
  it('says "no connection string" when url / connectionString is missing or empty (DATABASE_URL unset)', async () => {
    const saved = process.env.PGHOST;
    delete process.env.PGHOST;
    try {
      for (const options of [{}, { url: undefined }, { url: '' }, { connectionString: '' }, { url: '   ' }]) {
        const error = await openPostgresStore(options).catch((e: unknown) => e);
        expect(isOAuthStoreError(error, 'configuration')).toBe(true);
        expect((error as Error).message).toMatch(/^postgres: no connection string/);
        expect((error as Error).message).toContain('DATABASE_URL');
        expect((error as Error).message).not.toMatch(/pg_hba/);
      }
    } finally {
      if (saved !== undefined) process.env.PGHOST = saved;
    }
  });

  it('opens a store from url, with explicit options winning over the URL parameters', async () => {
    const table = uniqueName('url');
    const url = new URL(databaseUrl());
    url.searchParams.set('table', table);
    url.searchParams.set('timeout', '1234');
    const store = await openPostgresStore({ url: url.href });
    expect(await store.set('c', 'k', new Uint8Array([1]))).toBe(true);
    await store.close();
    const other = await openPostgresStore({ url: url.href, table: uniqueName('explicit') });
    expect(await other.get('c', 'k')).toBeUndefined();
    await other.close();
    await expect(openPostgresStore({ url: 'pglite:' })).rejects.toMatchObject({ code: 'configuration' });
    await expect(openPGliteStore({ url: databaseUrl() })).rejects.toMatchObject({ code: 'configuration' });
  });

  it('descriptor: names its schemes and opens postgres:// and pglite: stores that answer', async () => {
    expect(descriptor).toMatchObject({ name: 'postgres', schemes: ['postgres', 'postgresql', 'pglite'] });
    const url = new URL(databaseUrl());
    url.searchParams.set('table', uniqueName('descriptor'));
    const server = await descriptor.open(url.href, { timeoutMs: 5000 });
    expect(server.capabilities).toMatchObject({ compareAndSet: true, atomicTake: true });
    expect(await server.set('c', 'k', new Uint8Array([7]))).toBe(true);
    expect(await server.take('c', 'k')).toEqual(new Uint8Array([7]));
    await server.close();
    const lite = await descriptor.open('pglite:');
    expect(await lite.set('c', 'k', new Uint8Array([8]))).toBe(true);
    expect(await lite.get('c', 'k')).toEqual(new Uint8Array([8]));
    await lite.close();
    await expect(descriptor.open('mysql://h/db')).rejects.toMatchObject({ code: 'configuration' });
  }, 60_000);
});
