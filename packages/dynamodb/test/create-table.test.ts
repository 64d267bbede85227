import {
  CreateTableCommand,
  DeleteTableCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import { afterAll, describe, expect, it } from '@jest/globals';
import { ConfigurationError } from '@oauth-store/core';
import { createTable, DynamoDbStore, LIST_INDEX_NAME, TTL_ATTRIBUTE } from '../src/index';
import { clientConfig, freshCollection, rawClient } from './support';

const client = rawClient();
const created: string[] = [];

afterAll(async () => {
  await Promise.allSettled(created.map((TableName) => client.send(new DeleteTableCommand({ TableName }))));
  client.destroy();
});

function tableName(): string {
  const name = freshCollection('ct');
  created.push(name);
  return name;
}

describe('createTable', () => {
  it('creates the table with its list index and TTL on, and is idempotent', async () => {
    const name = tableName();
    expect(await createTable({ client, tableName: name })).toEqual({ created: true, ttlEnabled: true });
    expect(await createTable({ client, tableName: name })).toEqual({ created: false, ttlEnabled: false });

    const { Table } = await client.send(new DescribeTableCommand({ TableName: name }));
    expect(Table?.TableStatus).toBe('ACTIVE');
    expect(Table?.GlobalSecondaryIndexes?.map((index) => index.IndexName)).toEqual([LIST_INDEX_NAME]);
    const { TimeToLiveDescription } = await client.send(new DescribeTimeToLiveCommand({ TableName: name }));
    expect(TimeToLiveDescription).toMatchObject({ TimeToLiveStatus: 'ENABLED', AttributeName: TTL_ATTRIBUTE });

    const store = new DynamoDbStore({ tableName: name, clientConfig: clientConfig() });
    await store.set('c', 'k', new Uint8Array([1]));
    expect(await store.list('c')).toEqual({ keys: ['k'] });
    await store.close();
  });

  it('tolerates concurrent callers: exactly one creates, all succeed', async () => {
    const name = tableName();
    const results = await Promise.all([1, 2, 3].map(() => createTable({ client, tableName: name })));
    expect(results.filter((result) => result.created)).toHaveLength(1);
    // DynamoDB Local accepts a second UpdateTimeToLive where AWS answers "already enabled", so more than one caller
    // may report ttlEnabled here; what matters is that none fails and TTL ends up on.
    expect(results.some((result) => result.ttlEnabled)).toBe(true);
    const { TimeToLiveDescription } = await client.send(new DescribeTimeToLiveCommand({ TableName: name }));
    expect(TimeToLiveDescription).toMatchObject({ TimeToLiveStatus: 'ENABLED', AttributeName: TTL_ATTRIBUTE });
  });

  it('reports, and leaves alone, an existing table with another layout', async () => {
    const name = tableName();
    await client.send(
      new CreateTableCommand({
        TableName: name,
        AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
    await expect(createTable({ client, tableName: name })).rejects.toBeInstanceOf(ConfigurationError);
    const { TimeToLiveDescription } = await client.send(new DescribeTimeToLiveCommand({ TableName: name }));
    expect(TimeToLiveDescription?.TimeToLiveStatus).toBe('DISABLED');
  });

  it('rejects an invalid table name before calling DynamoDB', async () => {
    await expect(createTable({ client, tableName: 'a b' })).rejects.toBeInstanceOf(ConfigurationError);
  });

  it('a store on a missing table fails with ConfigurationError naming the table, not the key', async () => {
    const store = new DynamoDbStore({ tableName: 'no-such-table', clientConfig: clientConfig() });
    const error = await store.get('c', 'secret-code-123').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(String((error as Error).message)).toContain('no-such-table');
    expect(String((error as Error).message)).not.toContain('secret-code-123');
    await store.close();
  });
});
