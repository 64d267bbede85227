import { randomBytes } from 'node:crypto';
import { afterAll } from '@jest/globals';
import mysql from 'mysql2/promise';

/** The server the global setup provided. */
export function mysqlUrl(): string {
  const url = process.env.MYSQL_URL;
  if (!url) throw new Error('MYSQL_URL is not set: the jest global setup (test/global-setup.ts) did not run.');
  return url;
}

/** A fresh table name, so test files never share rows or race on one table's DDL. */
export function uniqueName(prefix: string): string {
  return `${prefix}_${randomBytes(5).toString('hex')}`;
}

/** A raw mysql2 pool on the test server, for white-box checks. */
export function adminPool(): mysql.Pool {
  return mysql.createPool({ uri: mysqlUrl(), connectionLimit: 2 });
}

/** Drops a test table so a run against a long-lived server leaves nothing behind. */
export async function dropTable(pool: mysql.Pool, table: string): Promise<void> {
  await pool.query(`DROP TABLE IF EXISTS \`${table}\``);
}

/**
 * For a test file: an admin pool, and `table(prefix)` for fresh table names that are all dropped (and the pool
 * ended) after the file's tests.
 */
export function tablesDroppedAfterAll(): { admin: mysql.Pool; table: (prefix: string) => string } {
  const admin = adminPool();
  const tables: string[] = [];
  afterAll(async () => {
    for (const name of tables) await dropTable(admin, name);
    await admin.end();
  });
  return {
    admin,
    table: (prefix) => {
      const name = uniqueName(prefix);
      tables.push(name);
      return name;
    },
  };
}
