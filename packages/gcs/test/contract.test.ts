// The whole ByteStore contract on GcsStore, through the real @google-cloud/storage SDK, against the harness's GCS
// server: the project's wire-level FAKE of the GCS JSON API (not Google's server) unless GCS_FAKE_ENDPOINT says
// otherwise. Includes the concurrent take race over several SDK clients and the cross-process take race.
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, it } from '@jest/globals';
import { runStoreContract, tsxChildOptions } from '@oauth-store/contract-tests';
import { GcsStore, objectName } from '../src/index';
import { endpoint, freshBucket, newStorage } from './support';

// One bucket for the run, created before any test; the suite gives every test its own random collections.
let bucket = '';
beforeAll(async () => {
  bucket = await freshBucket();
});

const childTsconfig = fileURLToPath(new URL('../../contract-tests/tsconfig.child.json', import.meta.url));

runStoreContract({
  name: 'gcs (wire-level GCS fake)',
  create: () => new GcsStore({ bucket, storage: newStorage() }),
  runner: { describe, it, beforeAll, afterAll },
  processFactory: {
    module: fileURLToPath(new URL('./fixtures/process-store.ts', import.meta.url)),
    get config() {
      // Read when the cross-process test runs, after beforeAll created the bucket.
      return { apiEndpoint: endpoint(), bucket };
    },
    ...tsxChildOptions({ tsconfig: childTsconfig }),
  },
  rawReader: async (collection, key) => {
    try {
      const [data] = await newStorage()
        .bucket(bucket)
        .file(objectName('oauth-store/', collection, key))
        .download();
      return data;
    } catch (error) {
      if ((error as { code?: unknown }).code === 404) return undefined;
      throw error;
    }
  },
  maxValueBytesToTest: 1024 * 1024,
  // Each take is three HTTP round trips through the SDK; fewer rounds keep the package's tests well under a minute
  // on a shared 2-core machine while still racing 20 callers over 4 clients per round.
  takeRounds: 10,
  // Enough keys that a child starting a little late on a loaded machine still meets the other one (with 40, one child
  // took every key before the other began in 3 of 3 attempts once, under load: the guard reports that as no race).
  crossProcessKeys: 150,
  propertyRuns: 10,
});
