import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ConfigurationError } from '@oauth-store/core';
import { createDynamoDbStore, descriptor, parseDynamoDbUrl } from '../src/index';
import { endpoint, ensureTable, freshCollection, TABLE } from './support';

beforeAll(ensureTable);

describe('dynamodb:// connection strings', () => {
  const saved = { AWS_REGION: process.env.AWS_REGION, AWS_ACCESS_KEY_ID: process.env.AWS_ACCESS_KEY_ID };
  beforeAll(() => {
    delete process.env.AWS_REGION;
    delete process.env.AWS_ACCESS_KEY_ID;
  });
  afterAll(() => {
    for (const [name, value] of Object.entries(saved)) if (value !== undefined) process.env[name] = value;
  });

  it('parses the CLI grammar: loopback is DynamoDB Local over http with dummy credentials', () => {
    expect(parseDynamoDbUrl('dynamodb://127.0.0.1:8000?table=oauth')).toEqual({
      tableName: 'oauth',
      clientConfig: {
        region: 'us-east-1',
        endpoint: 'http://127.0.0.1:8000',
        credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      },
    });
  });

  it('no host (or aws) is AWS itself with the SDK chain; another host is https unless tls=false', () => {
    expect(parseDynamoDbUrl('dynamodb://?table=oauth&region=eu-west-1')).toEqual({
      tableName: 'oauth',
      clientConfig: { region: 'eu-west-1' },
    });
    expect(parseDynamoDbUrl('dynamodb://aws?table=oauth&timeout=2500')).toEqual({
      tableName: 'oauth',
      clientConfig: {},
      timeoutMs: 2500,
    });
    expect(parseDynamoDbUrl('dynamodb://ddb.internal:443?table=t&region=us-east-2').clientConfig.endpoint).toBe(
      'https://ddb.internal:443',
    );
    expect(parseDynamoDbUrl('dynamodb://ddb.internal:80?table=t&tls=false').clientConfig.endpoint).toBe(
      'http://ddb.internal:80',
    );
  });

  it.each([
    ['dynamodb://127.0.0.1:8000', /table=NAME/],
    ['dynamodb://127.0.0.1:8000?table=t&tls=maybe', /tls=/],
    ['dynamodb://127.0.0.1:8000?table=t&timeout=-1', /timeout=/],
    ['redis://127.0.0.1:8000?table=t', /dynamodb:\/\//],
  ])('rejects %s with a configuration error that does not echo it', (url, message) => {
    let error: unknown;
    try {
      parseDynamoDbUrl(url);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).not.toContain('127.0.0.1');
  });
});

describe('descriptor', () => {
  it('describes the adapter for the registry', () => {
    expect(descriptor).toMatchObject({ name: 'dynamodb', schemes: ['dynamodb'], testServer: 'dynamodb' });
    expect(descriptor.install).toContain('@aws-sdk/client-dynamodb');
  });

  it('opens a working store from a connection string, after checking the table answers', async () => {
    const port = new URL(endpoint()).port;
    const store = await descriptor.open(`dynamodb://127.0.0.1:${port}?table=${TABLE}`, { timeoutMs: 5000 });
    try {
      const collection = freshCollection();
      expect(await store.set(collection, 'k', Buffer.from('v'), { onlyIfAbsent: true })).toBe(true);
      expect(Buffer.from((await store.take(collection, 'k')) ?? []).toString()).toBe('v');
    } finally {
      await store.close();
    }
  });

  it('rejects a missing table at open (ready), as a configuration error naming the table', async () => {
    const port = new URL(endpoint()).port;
    await expect(descriptor.open(`dynamodb://127.0.0.1:${port}?table=no-such-table`)).rejects.toMatchObject({
      code: 'configuration',
      message: expect.stringContaining('no-such-table'),
    });
  });

  it('createDynamoDbStore({ url }) takes the same grammar', async () => {
    const port = new URL(endpoint()).port;
    const store = createDynamoDbStore({ url: `dynamodb://localhost:${port}?table=${TABLE}` });
    try {
      await store.ready();
      expect(await store.get(freshCollection(), 'nothing')).toBeUndefined();
    } finally {
      await store.close();
    }
  });
});
