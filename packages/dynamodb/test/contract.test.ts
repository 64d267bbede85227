// The whole ByteStore contract against DynamoDB Local through the real SDK, including the cross-process take race:
// its children build the store from test/fixtures/child-store.ts, loaded through tsx with this package's tsconfig
// (whose paths map workspace packages to their sources).
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll } from '@jest/globals';
import { runStoreContract, tsxChildOptions } from '@oauth-store/contract-tests';
import { DynamoDbStore } from '../src/index';
import type { ChildStoreConfig } from './fixtures/child-store';
import { endpoint, ensureTable, newStore, TABLE } from './support';

const here = dirname(fileURLToPath(import.meta.url));

beforeAll(ensureTable);

runStoreContract({
  name: 'dynamodb',
  create: () => newStore(),
  processFactory: {
    module: join(here, 'fixtures', 'child-store.ts'),
    // Generous bounds: the compare-and-set race fires every round of 4 processes at once (hundreds of new connections,
    // through the harness's loopback forwarder) at one DynamoDB Local JVM on a shared 2-core machine, and a write is
    // never retried, so a slow connection or answer would be a failure, not a delay.
    config: {
      endpoint: endpoint(),
      tableName: TABLE,
      timeoutMs: 60_000,
      requestTimeoutMs: 30_000,
    } satisfies ChildStoreConfig,
    ...tsxChildOptions({ tsconfig: join(here, '..', 'tsconfig.json') }),
  },
  // Fewer race rounds and property runs than the defaults keep the file well under a minute on a shared 2-core
  // machine; each round still races 20 callers over 4 client instances.
  // The lost-response suite: a lossy proxy between a store and DynamoDB Local (short timeoutMs: its blackhole tests
  // wait for the deadline). The SDK's default retry strategy stays on: the store must not let it resend writes.
  lostResponses: {
    backend: { host: new URL(endpoint()).hostname, port: Number(new URL(endpoint()).port) },
    create: (proxy) =>
      new DynamoDbStore({
        tableName: TABLE,
        timeoutMs: 1_000,
        clientConfig: {
          endpoint: `http://${proxy.host}:${proxy.port}`,
          region: 'us-east-1',
          credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
        },
      }),
  },
  // More rounds than the default 100 (with time for them): on a loaded machine one child can win all 100 before the
  // others' requests arrive, which the suite rightly refuses to count as a race.
  casRaceRounds: 200,
  crossProcessTimeoutMs: 120_000,
  testTimeoutMs: 180_000,
  takeRounds: 10,
  propertyRuns: 5,
  crossProcessKeys: 100,
  log: () => undefined,
});
