// The whole ByteStore contract on a real PostgreSQL server through pg Pools: every store the suite creates has its
// own small pool (as separate application instances would), and the cross-process take test runs the store in
// child processes built by fixtures/process-factory.ts.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll } from '@jest/globals';
import { runStoreContract, tsxChildOptions } from '@oauth-store/contract-tests';
import { openPostgresStore } from '../src/index';
import type { ChildStoreConfig } from './fixtures/process-factory';
import { createStore } from './fixtures/process-factory';
import { databaseUrl, dropTable, newPool, uniqueName } from './helpers';

const here = dirname(fileURLToPath(import.meta.url));
const config: ChildStoreConfig = { connectionString: databaseUrl(), table: uniqueName('contract') };
const admin = newPool(2);
let migrated: Promise<unknown> | undefined;

afterAll(async () => {
  await dropTable(admin, 'public', config.table);
  await admin.end();
});

runStoreContract({
  name: 'postgres (pg Pool)',
  create: async () => {
    migrated ??= createStore(config).then(async (store) => {
      await store.migrate();
      await store.close();
    });
    await migrated;
    return createStore(config);
  },
  processFactory: {
    module: join(here, 'fixtures', 'process-factory.ts'),
    config,
    ...tsxChildOptions({ tsconfig: join(here, '..', 'tsconfig.json') }),
  },
  lostResponses: {
    backend: { host: '127.0.0.1', port: Number(new URL(databaseUrl()).port || 5432) },
    create: async (proxy) => {
      await migrated;
      const url = new URL(databaseUrl());
      url.hostname = proxy.host;
      url.port = String(proxy.port);
      return openPostgresStore({
        connectionString: url.href,
        table: config.table,
        migrate: false,
        timeoutMs: 1000,
        sweepIntervalMs: 0,
        pool: { max: 2 },
      });
    },
  },
  rawReader: async (collection, key) => {
    const { rows } = await admin.query(`SELECT value FROM ${config.table} WHERE collection = $1 AND key = $2`, [
      Buffer.from(collection),
      Buffer.from(key),
    ]);
    return rows[0]?.value;
  },
});
