// Compare-and-set across 4 processes, each with its own client, against the patched emulator: the shared race of the
// adapters' tests (scripts/test-support/cas-race.ts). Each process decides on the record it read and commits with a
// precondition on that read's update time (no transactions: the emulator does not isolate them), so exactly one may
// win each round, and a compare-and-set counter loses no increment.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { casRaceTests } from '../../../scripts/test-support/cas-race';
import type { ChildStoreConfig } from './fixtures/child-store';
import { emulatorHost, freshRoot, newStore, PROJECT_ID } from './helpers';

const here = dirname(fileURLToPath(import.meta.url));
const rootCollection = freshRoot();
// The emulator's address is filled in by open(), once the global setup's environment is there; the workers are
// started after open() resolves.
const config: Partial<ChildStoreConfig> = { projectId: PROJECT_ID, rootCollection, operationTimeoutMs: 20_000 };

casRaceTests({
  name: 'firestore (patched emulator)',
  module: join(here, 'fixtures', 'child-store.ts'),
  config,
  tsconfig: join(here, '..', 'tsconfig.json'),
  open: async () => {
    config.emulatorHost = emulatorHost();
    return newStore({ rootCollection, timeoutMs: 20_000 });
  },
  rounds: 24,
});
