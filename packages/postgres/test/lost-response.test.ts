// Lost responses on the wire between a pg Pool and PostgreSQL (see scripts/test-support/lost-response.ts).
import { afterAll } from '@jest/globals';
import { lostResponseTests } from '../../../scripts/test-support/lost-response';
import { openPostgresStore } from '../src/index';
import { databaseUrl, dropTable, newPool, uniqueName } from './helpers';

const table = uniqueName('lossy');
const admin = newPool(2);
const url = new URL(databaseUrl());

afterAll(async () => {
  await dropTable(admin, 'public', table);
  await admin.end();
});

lostResponseTests({
  name: 'postgres (pg Pool)',
  backendPort: Number(url.port || 5432),
  openDirect: () => openPostgresStore({ connectionString: databaseUrl(), table, sweepIntervalMs: 0 }),
  openProxied: (port) => {
    const proxied = new URL(url.href);
    proxied.hostname = '127.0.0.1';
    proxied.port = String(port);
    return openPostgresStore({
      connectionString: proxied.href,
      table,
      migrate: false,
      timeoutMs: 1500,
      sweepIntervalMs: 0,
      pool: { max: 1 },
    });
  },
  rawExists: async (collection, key) =>
    (
      await admin.query(`SELECT 1 FROM ${table} WHERE collection = $1 AND key = $2`, [
        Buffer.from(collection),
        Buffer.from(key),
      ])
    ).rows.length > 0,
});
