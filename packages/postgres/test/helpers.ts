import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { quoteIdentifier } from '../src/identifiers';

/** The server the global setup provided. */
export function databaseUrl(): string {
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error('DATABASE_URL is not set: the jest global setup (test/global-setup.ts) did not run.');
  return url;
}

/** A fresh table name, so test files never share rows or race on one table's DDL. */
export function uniqueName(prefix: string): string {
  return `${prefix}_${randomBytes(5).toString('hex')}`;
}

/** A pg Pool on the test server. */
export function newPool(max = 10): pg.Pool {
  return new pg.Pool({ connectionString: databaseUrl(), max });
}

/** Drops a test table (or schema) so a run against a long-lived DATABASE_URL leaves nothing behind. */
export async function dropTable(pool: pg.Pool, schema: string, table: string): Promise<void> {
  await pool.query(`DROP TABLE IF EXISTS ${quoteIdentifier('schema', schema)}.${quoteIdentifier('table', table)}`);
}

/** Polls `condition` until it holds or the deadline passes (instead of sleeping a guessed time). */
export async function waitFor(condition: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
