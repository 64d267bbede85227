// The whole ByteStore contract on a real MariaDB/MySQL server, once per take strategy: DELETE ... RETURNING (MariaDB)
// and the locking read in a transaction that MySQL 8 needs (forced here on MariaDB, so its race is tested too). Every
// store has its own small pool, as separate application instances would; the cross-process take test runs the store
// in child processes, and a 4-process compare-and-set race runs per strategy.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll } from '@jest/globals';
import { runStoreContract, tsxChildOptions } from '@oauth-store/contract-tests';
import type { TakeStrategy } from '../src/index';
import { casRaceTests } from './cas-race';
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
