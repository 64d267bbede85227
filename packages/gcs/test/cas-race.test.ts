// Compare-and-set across 4 processes, each with its own SDK clients, through the real SDK to the harness's GCS server
// (the wire-level FAKE unless GCS_FAKE_ENDPOINT says otherwise): the shared race of the adapters' tests
// (scripts/test-support/cas-race.ts). Each process decides on the version it downloaded together with the object's
// generation, and the write or delete applies only if that generation is still live (`ifGenerationMatch`), so exactly
// one may win each round, and a compare-and-set counter loses no increment.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { casRaceTests } from '../../../scripts/test-support/cas-race';
import type { ProcessStoreConfig } from './fixtures/process-store';
import { endpoint, freshBucket, newStore } from './support';

const here = dirname(fileURLToPath(import.meta.url));
// Filled in by open() (a fresh bucket on the global setup's server); the workers are started after open() resolves.
const config: Partial<ProcessStoreConfig> = {};

casRaceTests({
  name: 'gcs (wire-level GCS fake)',
  module: join(here, 'fixtures', 'process-store.ts'),
  config,
  tsconfig: join(here, '..', '..', 'contract-tests', 'tsconfig.child.json'),
  open: async () => {
    config.apiEndpoint = endpoint();
    config.bucket = await freshBucket();
    return newStore(config.bucket);
  },
  rounds: 24,
});
