import { randomUUID } from 'node:crypto';
import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { createTable, DynamoDbStore, type DynamoDbStoreOptions } from '../src/index';

/** The table every test file shares; collections are random per test, so files never see each other's entries. */
export const TABLE = 'oauth-store-test';

/** Where the harness put DynamoDB (Local, unless DYNAMODB_ENDPOINT pointed elsewhere). */
export function endpoint(): string {
  const value = process.env.DYNAMODB_ENDPOINT;
  if (!value) throw new Error('DYNAMODB_ENDPOINT is not set: the jest global setup should have started DynamoDB Local');
  return value;
}

/** Client settings for DynamoDB Local: any static credentials and region work (the harness runs it with -sharedDb). */
export function clientConfig(): DynamoDBClientConfig {
  return {
    endpoint: endpoint(),
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  };
}

/** A raw SDK client, for white-box reads and writes. */
export function rawClient(): DynamoDBClient {
  return new DynamoDBClient(clientConfig());
}

/** Creates the shared table (idempotent, so every file can call it). */
export async function ensureTable(): Promise<void> {
  const client = rawClient();
  try {
    await createTable({ client, tableName: TABLE });
  } finally {
    client.destroy();
  }
}

/** A store on the shared table. */
export function newStore(options: Partial<DynamoDbStoreOptions> = {}): DynamoDbStore {
  return new DynamoDbStore({ tableName: TABLE, clientConfig: clientConfig(), ...options });
}

/** A collection name no other test uses. */
export function freshCollection(prefix = 'c'): string {
  return `${prefix}-${randomUUID()}`;
}
