// The whole ByteStore contract against DynamoDB Local through the real SDK, including the cross-process take race:
// its children build the store from test/fixtures/child-store.ts, loaded through tsx with this package's tsconfig
// (whose paths map workspace packages to their sources).
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll } from '@jest/globals';
import { runStoreContract, tsxChildOptions } from '@oauth-store/contract-tests';
import type { ChildStoreConfig } from './fixtures/child-store';
import { endpoint, ensureTable, newStore, TABLE } from './support';

const here = dirname(fileURLToPath(import.meta.url));

beforeAll(ensureTable);

runStoreContract({
  name: 'dynamodb',
  create: () => newStore(),
  processFactory: {
    module: join(here, 'fixtures', 'child-store.ts'),
    config: { endpoint: endpoint(), tableName: TABLE } satisfies ChildStoreConfig,
    ...tsxChildOptions({ tsconfig: join(here, '..', 'tsconfig.json') }),
  },
  // Fewer race rounds and property runs than the defaults keep the file well under a minute on a shared 2-core
  // machine; each round still races 20 callers over 4 client instances.
  takeRounds: 10,
  propertyRuns: 5,
  crossProcessKeys: 100,
  log: () => undefined,
});
