/**
 * DynamoDB Local contenders (get/set only), each with its own SDK client on the same table:
 * - raw: `PutItem` of { pk, v, ttl } and a strongly consistent `GetItem`, the least a store of bytes with expiry sends;
 * - adapter: `DynamoDbStore` (its put also writes the list-index attributes and the precise expiry).
 */
import { DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { createTable } from '@oauth-store/dynamodb';
import type { BackendSetup, Contender } from '../contender';
import { closeAll, TTL_MS } from '../contender';
import { versionsOf } from '../versions';
import { openRegistered } from './registry-store';
import { storeContender } from './shared';

const TABLE = 'oauth-store-bench';

function clientConfig(endpoint: string) {
  return { endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } };
}

function rawContender(endpoint: string, value: Uint8Array): Contender {
  const client = new DynamoDBClient(clientConfig(endpoint));
  const pk = (key: string) => ({ B: Buffer.from(`raw/${key}`) });
  return {
    label: '@aws-sdk/client-dynamodb (raw)',
    role: 'raw',
    set: (key) =>
      client.send(
        new PutItemCommand({
          TableName: TABLE,
          Item: { pk: pk(key), v: { B: value }, ttl: { N: String(Math.ceil((Date.now() + TTL_MS) / 1000)) } },
        }),
      ),
    get: async (key) =>
      (await client.send(new GetItemCommand({ TableName: TABLE, Key: { pk: pk(key) }, ConsistentRead: true }))).Item?.v
        ?.B,
    close: async () => client.destroy(),
  };
}

/** The DynamoDB Local setup. */
export async function setupDynamoDb(endpoint: string, value: Uint8Array): Promise<BackendSetup> {
  const admin = new DynamoDBClient(clientConfig(endpoint));
  try {
    await createTable({ client: admin, tableName: TABLE });
  } finally {
    admin.destroy();
  }
  const contenders = [
    rawContender(endpoint, value),
    storeContender(
      'DynamoDbStore (ours)',
      'adapter',
      await openRegistered('dynamodb', `dynamodb://${new URL(endpoint).host}?table=${TABLE}`),
      'codes',
      value,
    ),
  ];
  return {
    name: 'dynamodb',
    title: 'DynamoDB (DynamoDB Local)',
    contenders,
    operations: ['set', 'get'],
    throughput: false,
    versions: versionsOf(['@aws-sdk/client-dynamodb'], ['dynamodb']),
    notes: ['DynamoDB Local is a Java emulator on this machine; its timings say nothing about the DynamoDB service.'],
    close: () => closeAll(contenders.map((contender) => () => contender.close())),
  };
}
