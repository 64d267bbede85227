// Compare-and-set across 4 processes on a real PostgreSQL server, each process with its own pg Pool.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll } from '@jest/globals';
import { casRaceTests } from '../../../scripts/test-support/cas-race';
import { type ChildStoreConfig, createStore } from './fixtures/process-factory';
import { databaseUrl, dropTable, newPool, uniqueName } from './helpers';

const here = dirname(fileURLToPath(import.meta.url));
const config: ChildStoreConfig = { connectionString: databaseUrl(), table: uniqueName('cas') };
let migrated: Promise<unknown> | undefined;

afterAll(async () => {
  const admin = newPool(1);
  await dropTable(admin, 'public', config.table);
  await admin.end();
});

casRaceTests({
  name: 'postgres (pg Pool)',
  module: join(here, 'fixtures', 'process-factory.ts'),
  config,
  tsconfig: join(here, '..', 'tsconfig.json'),
  open: async () => {
    migrated ??= createStore(config).then(async (store) => {
      await store.migrate();
      await store.close();
    });
    await migrated;
    return createStore(config);
  },
});
