import type { BackendProvider } from './backend';
import { dynamodbProvider } from './dynamodb';
import { firestoreProvider } from './firestore';
import { gcsProvider } from './gcs';
import { mysqlProvider } from './mysql';
import { postgresProvider } from './postgres';
import { redisClusterProvider, redisProvider } from './redis';

/** Every backend the harness knows, by name. Each backend's provider lives in its own file. */
export const providers: Record<string, BackendProvider> = {
  redis: redisProvider,
  'redis-cluster': redisClusterProvider,
  postgres: postgresProvider,
  mysql: mysqlProvider,
  dynamodb: dynamodbProvider,
  firestore: firestoreProvider,
  gcs: gcsProvider,
};
