import type { BackendProvider } from './backend';
import { notYet } from './not-yet';

/** Every backend the harness knows, by name. Each backend's provider lives in its own file. */
export const providers: Record<string, BackendProvider> = {
  redis: notYet('redis', 'REDIS_URL'),
  'redis-cluster': notYet('redis-cluster', 'REDIS_CLUSTER_URLS'),
  postgres: notYet('postgres', 'DATABASE_URL'),
  dynamodb: notYet('dynamodb', 'DYNAMODB_ENDPOINT'),
  firestore: notYet('firestore', 'FIRESTORE_EMULATOR_HOST'),
  gcs: notYet('gcs', 'GCS_FAKE_ENDPOINT'),
};
