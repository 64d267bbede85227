import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { isOAuthStoreError } from '@oauth-store/core';
import type pg from 'pg';
import { fromPgPool, migrationSql, PostgresStore, quoteIdentifier, type SqlClient } from '../src/index';
import { newPool, uniqueName } from './helpers';

let pool: pg.Pool;
const weirdSchema = `w"s.; DROP SCHEMA public--$oauth_store$ ${uniqueName('s')}`;
const weirdTable = `t"; DROP TABLE x; --'\\ é`;

beforeAll(() => {
  pool = newPool(2);
});

afterAll(async () => {
  await pool.query(`DROP SCHEMA IF EXISTS ${quoteIdentifier('schema', weirdSchema)} CASCADE`);
  await pool.end();
});

/** A client that fails the test if the store ever reaches the database. */
const untouchable: SqlClient = {
  driver: 'none',
  query: () => {
    throw new Error('the database was reached although the configuration is invalid');
  },
};

describe('schema and table names', () => {
  it('quotes with double quotes and doubles embedded quotes', () => {
    expect(quoteIdentifier('table', 'plain')).toBe('"plain"');
    expect(quoteIdentifier('table', 'a"b""c')).toBe('"a""b""""c"');
  });

  it('works end to end with a schema and table name full of quotes, semicolons, dollars and spaces', async () => {
    const store = new PostgresStore({ client: fromPgPool(pool), schema: weirdSchema, table: weirdTable });
    await store.migrate();
    await store.migrate();
    expect(await store.set('c', 'k', new Uint8Array([1, 2]))).toBe(true);
    expect(await store.get('c', 'k')).toEqual(new Uint8Array([1, 2]));
    const { rows } = await pool.query(
      'SELECT indexname FROM pg_catalog.pg_indexes WHERE schemaname = $1 AND tablename = $2 ORDER BY indexname',
      [weirdSchema, weirdTable],
    );
    expect(rows.map((row) => row.indexname)).toEqual([`${weirdTable}_expires_at_idx`, `${weirdTable}_pkey`]);
    // The "public" schema the name tries to drop is still there.
    const publicSchema = await pool.query("SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = 'public'");
    expect(publicSchema.rows).toHaveLength(1);
    await store.close();
  });

  it.each([
    ['an empty table name', { table: '' }],
    ['a table name with NUL', { table: 'a\u0000b' }],
    ['a schema name with a lone surrogate', { schema: 'a\ud800' }],
    ['a schema name over 63 UTF-8 bytes', { schema: 'é'.repeat(32) }],
    ['a table name too long for its index name', { table: 't'.repeat(60) }],
    ['a non-string table name', { table: 42 as unknown as string }],
  ])('refuses %s with a ConfigurationError before touching the database', (_, names) => {
    let error: unknown;
    try {
      new PostgresStore({ client: untouchable, ...names });
    } catch (caught) {
      error = caught;
    }
    expect(isOAuthStoreError(error, 'configuration')).toBe(true);
    expect(() => migrationSql(names)).toThrow(/postgres:/);
  });

  it('accepts a 63-byte schema name, the PostgreSQL maximum', () => {
    expect(() => new PostgresStore({ client: untouchable, schema: 's'.repeat(63) })).not.toThrow();
  });

  it('prints the DDL for a DBA with the configured, quoted names', () => {
    const sql = migrationSql({ schema: 'auth', table: 'oauth "store"' });
    expect(sql).toContain('CREATE SCHEMA IF NOT EXISTS "auth";');
    expect(sql).toContain('CREATE TABLE IF NOT EXISTS "auth"."oauth ""store""" (');
    expect(sql).toContain(
      'CREATE INDEX IF NOT EXISTS "oauth ""store""_expires_at_idx" ON "auth"."oauth ""store""" (expires_at) WHERE expires_at IS NOT NULL;',
    );
    expect(migrationSql()).toContain('"public"."oauth_store"');
  });
});
