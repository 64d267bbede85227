// Compare-and-set across 4 processes on DynamoDB Local, each process with its own SDK client: the shared race of the
// adapters' tests (scripts/test-support/cas-race.ts). DynamoDB evaluates `#ver = :ver` with the write or delete, so
// exactly one process may win each round, and a compare-and-set counter loses no increment.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { casRaceTests } from '../../../scripts/test-support/cas-race';
import type { ChildStoreConfig } from './fixtures/child-store';
import { endpoint, ensureTable, newStore, TABLE } from './support';

const here = dirname(fileURLToPath(import.meta.url));
// Filled in by open(): the endpoint is the global setup's, read once the test file runs. The workers are started
// after open() resolves, so they get the filled-in config.
const config: Partial<ChildStoreConfig> = { tableName: TABLE };

casRaceTests({
  name: 'dynamodb (DynamoDB Local)',
  module: join(here, 'fixtures', 'child-store.ts'),
  config,
  tsconfig: join(here, '..', 'tsconfig.json'),
  open: async () => {
    config.endpoint = endpoint();
    await ensureTable();
    return newStore();
  },
  rounds: 40,
});
