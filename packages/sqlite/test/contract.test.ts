// The whole ByteStore contract on a local SQLite file shared by every store (each with its own @libsql/client, as
// separate processes would have), the cross-process take test with child processes on the same file, and a
// 4-process compare-and-set race.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll } from '@jest/globals';
import { createClient } from '@libsql/client';
import { runStoreContract, tsxChildOptions } from '@oauth-store/contract-tests';
import { casRaceTests } from '../../../scripts/test-support/cas-race';
import { type ChildStoreConfig, createStore } from './fixtures/process-factory';
import { tempDir } from './helpers';

const here = dirname(fileURLToPath(import.meta.url));
const temp = tempDir();
// synchronous=normal: with the default (full) every commit holds SQLite's write lock for an fsync, and since that lock
// is not a fair queue, one child process committing back to back starves the other, so the cross-process race is
// often inconclusive (one child takes every key). Atomicity does not depend on the setting; the compare-and-set race
// below, the adapter tests and the kill test run with the default.
const config: ChildStoreConfig = { url: `sqlite:${join(temp.dir, 'contract.db')}?synchronous=normal` };
const casConfig: ChildStoreConfig = { url: `sqlite:${join(temp.dir, 'cas.db')}` };
const raw = createClient({ url: `file:${join(temp.dir, 'contract.db')}` });
let migrated: Promise<unknown> | undefined;
const open = async () => {
  migrated ??= createStore(config).then(async (store) => {
    await store.migrate();
    await store.close();
  });
  await migrated;
  return createStore(config);
};

afterAll(() => {
  raw.close();
  temp.remove();
});

runStoreContract({
  name: 'sqlite (local file)',
  create: open,
  processFactory: {
    module: join(here, 'fixtures', 'process-factory.ts'),
    config,
    ...tsxChildOptions({ tsconfig: join(here, '..', 'tsconfig.json') }),
  },
  // More keys than the default 200, so both children are still taking when the second one is scheduled on a loaded
  // machine.
  crossProcessKeys: 1000,
  rawReader: async (collection, key) => {
    const { rows } = await raw.execute({
      sql: 'SELECT value FROM oauth_store WHERE collection = ? AND key = ?',
      args: [Buffer.from(collection), Buffer.from(key)],
    });
    return rows[0] ? new Uint8Array(rows[0].value as ArrayBuffer) : undefined;
  },
});

let casMigrated: Promise<unknown> | undefined;
casRaceTests({
  name: 'sqlite (local file, synchronous=full)',
  module: join(here, 'fixtures', 'process-factory.ts'),
  config: casConfig,
  tsconfig: join(here, '..', 'tsconfig.json'),
  open: async () => {
    casMigrated ??= createStore(casConfig).then(async (store) => {
      await store.migrate();
      await store.close();
    });
    await casMigrated;
    return createStore(casConfig);
  },
});
