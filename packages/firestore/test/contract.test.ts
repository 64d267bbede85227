// The whole ByteStore contract (from @oauth-store/contract-tests) through the real @google-cloud/firestore SDK against
// the patched emulator the global setup started, including the cross-process take race: its children build their
// own store from test/fixtures/child-store.ts, loaded through tsx with this package's tsconfig.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll } from '@jest/globals';
import { runStoreContract, tsxChildOptions } from '@oauth-store/contract-tests';
import { collectionId, DEFAULT_ENTRIES_COLLECTION, FirestoreStore, keyId } from '../src/index';
import type { ChildStoreConfig } from './fixtures/child-store';
import { emulatorHost, freshRoot, newClient, PROJECT_ID } from './helpers';

const here = dirname(fileURLToPath(import.meta.url));
const rootCollection = freshRoot();
// The contract is about results, not latency: a generous bound keeps a loaded machine (2 cores shared with other
// suites) from turning slow replies into `unavailable` failures. The bound itself is tested in store.test.ts.
const operationTimeoutMs = 20_000;

const raw = newClient();
afterAll(async () => {
  await raw.terminate();
});

runStoreContract({
  name: 'firestore (patched emulator)',
  create: () =>
    new FirestoreStore({ settings: { projectId: PROJECT_ID }, rootCollection, timeoutMs: operationTimeoutMs }),
  processFactory: {
    module: join(here, 'fixtures', 'child-store.ts'),
    config: {
      emulatorHost: emulatorHost(),
      projectId: PROJECT_ID,
      rootCollection,
      operationTimeoutMs,
    } satisfies ChildStoreConfig,
    ...tsxChildOptions({ tsconfig: join(here, '..', 'tsconfig.json') }),
  },
  // What the adapter physically stored, bypassing its expiry filter: the raw document's fields.
  rawReader: async (collection, key) => {
    const snapshot = await raw
      .doc(`${rootCollection}/${collectionId(collection)}/${DEFAULT_ENTRIES_COLLECTION}/${keyId(key)}`)
      .get();
    return snapshot.exists ? snapshot.data() : undefined;
  },
  ttlMs: 1_000,
  // Fewer race rounds and property runs than the defaults keep the file short on a shared 2-core
  // machine; each round still races 20 callers over 4 client instances.
  // The cross-process compare-and-set race is two RPCs per move (read, conditional commit) from 4 processes at once
  // against a JavaScript emulator on a shared 2-core machine: more time than the default. 150 rounds, not 50: with 50,
  // under `pnpm stress:contract` (load ~45 on 2 cores) one child finished every round before the other three started,
  // in 3 attempts of 3, and the guard reported that no race was observed.
  casRaceRounds: 150,
  crossProcessTimeoutMs: 120_000,
  testTimeoutMs: 180_000,
  takeRounds: 5,
  propertyRuns: 5,
  crossProcessKeys: 150,
  maxValueBytesToTest: 1_000_000,
  log: () => undefined,
});
