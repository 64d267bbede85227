// Lost responses on the wire between a mysql2 pool and MariaDB/MySQL (see scripts/test-support/lost-response.ts), for both take strategies.
import { afterAll } from '@jest/globals';
import { lostResponseTests } from '../../../scripts/test-support/lost-response';
import { createMysqlStore, type TakeStrategy } from '../src/index';
import { adminPool, dropTable, mysqlUrl, uniqueName } from './helpers';

const admin = adminPool();
const url = new URL(mysqlUrl());
const tables: string[] = [];

afterAll(async () => {
  for (const table of tables) await dropTable(admin, table);
  await admin.end();
});

for (const takeStrategy of ['delete-returning', 'locking-read'] as TakeStrategy[]) {
  const table = uniqueName('lossy');
  tables.push(table);
  lostResponseTests({
    name: `mysql (${takeStrategy})`,
    backendPort: Number(url.port || 3306),
    takeIsOneStatement: takeStrategy === 'delete-returning',
    openDirect: () => createMysqlStore({ url: mysqlUrl(), table, takeStrategy, sweepIntervalMs: 0 }),
    openProxied: (port) => {
      const proxied = new URL(url.href);
      proxied.hostname = '127.0.0.1';
      proxied.port = String(port);
      return createMysqlStore({
        url: proxied.href,
        table,
        takeStrategy,
        migrate: false,
        timeoutMs: 1500,
        sweepIntervalMs: 0,
        pool: { connectionLimit: 1 },
      });
    },
    rawExists: async (collection, key) => {
      const [rows] = (await admin.query(`SELECT 1 FROM \`${table}\` WHERE collection = ? AND \`key\` = ?`, [
        Buffer.from(collection),
        Buffer.from(key),
      ])) as unknown as [unknown[]];
      return rows.length > 0;
    },
  });
}
