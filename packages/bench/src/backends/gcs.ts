/**
 * Cloud Storage contenders (get/set only) on the project's wire-level FAKE of the GCS JSON API, each with its own
 * SDK client:
 * - raw: `file.save(bytes, { resumable: false })` and `file.download()`;
 * - adapter: `GcsStore` (set: one conditional upload of a fresh object; get: metadata, then that generation's bytes).
 */
import { Storage } from '@google-cloud/storage';
import type { BackendSetup, Contender } from '../contender';
import { closeAll } from '../contender';
import { versionsOf } from '../versions';
import { openRegistered } from './registry-store';
import { storeContender } from './shared';

function storage(apiEndpoint: string): Storage {
  // A custom endpoint needs no credentials; say so, so the SDK never looks for any.
  return new Storage({ apiEndpoint, projectId: 'oauth-store-bench', useAuthWithCustomEndpoint: false });
}

function rawContender(apiEndpoint: string, bucket: string, value: Uint8Array): Contender {
  const files = storage(apiEndpoint).bucket(bucket);
  const bytes = Buffer.from(value);
  return {
    label: '@google-cloud/storage (raw)',
    role: 'raw',
    set: (key) => files.file(`bench-raw/${key}`).save(bytes, { resumable: false }),
    get: async (key) => (await files.file(`bench-raw/${key}`).download())[0],
    close: async () => {},
  };
}

/** The Cloud Storage (fake) setup. */
export async function setupGcs(apiEndpoint: string, bucket: string, value: Uint8Array): Promise<BackendSetup> {
  const contenders = [
    rawContender(apiEndpoint, bucket, value),
    storeContender(
      'GcsStore (ours)',
      'adapter',
      await openRegistered(
        'gcs',
        `gcs://${bucket}/bench-store/?endpoint=${encodeURIComponent(apiEndpoint)}&project=oauth-store-bench`,
      ),
      'codes',
      value,
    ),
  ];
  return {
    name: 'gcs',
    title: 'Cloud Storage (wire-level fake)',
    contenders,
    operations: ['set', 'get'],
    throughput: false,
    versions: versionsOf(['@google-cloud/storage'], ['gcs']),
    notes: [
      'The fake is the project’s own HTTP server speaking the GCS JSON API, running inside the benchmark process (its CPU is shared with the client); it is not Google’s server and says nothing about Cloud Storage timings.',
      'Ours: get is two requests (metadata for generation and expiry, then that generation’s bytes), raw is one; set of a new key is one conditional upload in both.',
    ],
    close: () => closeAll(contenders.map((contender) => () => contender.close())),
  };
}
