import type { BackendProvider } from './backend';
import { startFakeGcs } from './fakes/gcs/index';

/** Bucket the harness creates in the fake it starts; tests may create their own as well. */
export const GCS_FAKE_BUCKET = 'oauth-store-test';

/**
 * Cloud Storage for the tests. No offline emulator exists (fake-gcs-server is not on npm and firebase-tools' storage
 * emulator ignores `ifGenerationMatch`), so the local option is the project's wire-level FAKE of the GCS JSON API
 * (`fakes/gcs`), started on a free loopback port with the bucket {@link GCS_FAKE_BUCKET}. `GCS_FAKE_ENDPOINT` points
 * the tests at another server speaking the same API instead (its bucket is the tests' business).
 */
export const gcsProvider: BackendProvider = {
  name: 'gcs',
  envVar: 'GCS_FAKE_ENDPOINT',
  async startLocal() {
    const fake = await startFakeGcs({ buckets: [GCS_FAKE_BUCKET] });
    return {
      env: { GCS_FAKE_ENDPOINT: fake.endpoint, GCS_FAKE_BUCKET },
      description: `GCS JSON API fake (not Google's server) on ${fake.endpoint}, bucket ${GCS_FAKE_BUCKET}`,
      stop: () => fake.close(),
    };
  },
};
