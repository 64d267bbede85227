// The whole ByteStore contract on a real MariaDB/MySQL server, once per take strategy: DELETE ... RETURNING (MariaDB)
// and the locking read in a transaction that MySQL 8 needs (forced here on MariaDB, so its race is tested too). Every
// store has its own small pool, as separate application instances would; the cross-process take test runs the store
// in child processes, and a 4-process compare-and-set race runs per strategy.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll } from '@jest/globals';
import { runStoreContract, tsxChildOptions } from '@oauth-store/contract-tests';
import { casRaceTests } from '../../../scripts/test-support/cas-race';
import { createMysqlStore, type TakeStrategy } from '../src/index';
import { type ChildStoreConfig, createStore } from './fixtures/process-factory';
import { adminPool, dropTable, mysqlUrl, uniqueName } from './helpers';

const here = dirname(fileURLToPath(import.meta.url));
const admin = adminPool();
const tables: string[] = [];

afterAll(async () => {
  for (const table of tables) await dropTable(admin, table);
  await admin.end();
});

for (const takeStrategy of ['delete-returning', 'locking-read'] as TakeStrategy[]) {
  const config: ChildStoreConfig = {
    url: mysqlUrl(),
    table: uniqueName(`contract_${takeStrategy.slice(0, 6)}`),
    takeStrategy,
  };
  tables.push(config.table);
  let migrated: Promise<unknown> | undefined;
  const open = async () => {
    migrated ??= createStore(config).then(async (store) => {
      await store.migrate();
      await store.close();
    });
    await migrated;
    return createStore(config);
  };
  runStoreContract({
    name: `mysql (${takeStrategy})`,
    create: open,
    processFactory: {
      module: join(here, 'fixtures', 'process-factory.ts'),
      config,
      ...tsxChildOptions({ tsconfig: join(here, '..', 'tsconfig.json') }),
    },
    // The published lost-response suite waits for a take to be applied while every answer is dropped: the MySQL 8
    // take is a transaction of four commands, each sent after the previous one's answer, so it can never get there.
    // That path's lost responses are covered by lost-response.test.ts (applied at most once, never resent).
    ...(takeStrategy === 'delete-returning'
      ? {
          lostResponses: {
            backend: { host: '127.0.0.1', port: Number(new URL(mysqlUrl()).port || 3306) },
            create: async (proxy) => {
              await open().then((store) => store.close());
              const url = new URL(mysqlUrl());
              url.hostname = proxy.host;
              url.port = String(proxy.port);
              return createMysqlStore({
                url: url.href,
                table: config.table,
                takeStrategy,
                migrate: false,
                timeoutMs: 1000,
                sweepIntervalMs: 0,
                pool: { connectionLimit: 2 },
              });
            },
          },
        }
      : {}),
    rawReader: async (collection, key) => {
      const [rows] = (await admin.query(`SELECT value FROM \`${config.table}\` WHERE collection = ? AND \`key\` = ?`, [
        Buffer.from(collection),
        Buffer.from(key),
      ])) as unknown as [Array<{ value: Buffer }>];
      return rows[0]?.value;
    },
  });
  casRaceTests({
    name: `mysql (${takeStrategy})`,
    module: join(here, 'fixtures', 'process-factory.ts'),
    config,
    tsconfig: join(here, '..', 'tsconfig.json'),
    open,
  });
}
