import { createServer } from 'node:net';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from '@jest/globals';
import { ConfigurationError, StoreUnavailableError } from '@oauth-store/core';
import { startFakeDynamoDbErrors } from '@oauth-store/test-servers/fakes';
import { DynamoDbStore } from '../src/index';

const SECRET_KEY = 'authorization-code-d5f1c0ffee';
const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };

function storeAt(endpoint: string, extra: Partial<ConstructorParameters<typeof DynamoDbStore>[0]> = {}) {
  return new DynamoDbStore({
    tableName: 'oauth-store-test',
    clientConfig: { endpoint, region: 'us-east-1', credentials, maxAttempts: 1 },
    ...extra,
  });
}

async function failure(promise: Promise<unknown>): Promise<Error> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof Error)) throw new Error('expected the operation to fail');
  expect(error.message).not.toContain(SECRET_KEY);
  return error;
}

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('error mapping through the real SDK', () => {
  it('connection refused -> StoreUnavailableError', async () => {
    const store = storeAt(`http://127.0.0.1:${await closedPort()}`);
    expect(await failure(store.get('c', SECRET_KEY))).toBeInstanceOf(StoreUnavailableError);
    await store.close();
  });

  it('a backend that never answers -> StoreUnavailableError after requestTimeoutMs, not a hang', async () => {
    const fake = await startFakeDynamoDbErrors({ mode: 'hang' });
    const store = storeAt(fake.endpoint, { requestTimeoutMs: 300 });
    try {
      const started = Date.now();
      expect(await failure(store.take('c', SECRET_KEY))).toBeInstanceOf(StoreUnavailableError);
      expect(Date.now() - started).toBeLessThan(3_000);
      expect(fake.requests).toBe(1);
    } finally {
      await store.close();
      await fake.close();
    }
  });

  it('operationTimeoutMs bounds an injected client that has no timeout of its own', async () => {
    const fake = await startFakeDynamoDbErrors({ mode: 'hang' });
    const client = new DynamoDBClient({ endpoint: fake.endpoint, region: 'us-east-1', credentials });
    const store = new DynamoDbStore({ tableName: 'oauth-store-test', client, operationTimeoutMs: 400 });
    try {
      const started = Date.now();
      expect(await failure(store.set('c', SECRET_KEY, new Uint8Array([1])))).toBeInstanceOf(StoreUnavailableError);
      expect(Date.now() - started).toBeLessThan(3_000);
    } finally {
      await store.close();
      client.destroy();
      await fake.close();
    }
  });

  it.each([
    ['ProvisionedThroughputExceededException', 400],
    ['ThrottlingException', 400],
    ['RequestLimitExceeded', 400],
    ['InternalServerError', 500],
  ])('fake DynamoDB answering %s -> StoreUnavailableError', async (errorType, status) => {
    const fake = await startFakeDynamoDbErrors({ mode: 'error', errorType, status });
    const store = storeAt(fake.endpoint);
    try {
      const error = await failure(store.list('c'));
      expect(error).toBeInstanceOf(StoreUnavailableError);
      expect(error.message).toContain(errorType);
    } finally {
      await store.close();
      await fake.close();
    }
  });

  it.each(['AccessDeniedException', 'UnrecognizedClientException', 'ResourceNotFoundException'])(
    'fake DynamoDB answering %s -> ConfigurationError',
    async (errorType) => {
      const fake = await startFakeDynamoDbErrors({ mode: 'error', errorType });
      const store = storeAt(fake.endpoint);
      try {
        expect(await failure(store.delete('c', SECRET_KEY))).toBeInstanceOf(ConfigurationError);
      } finally {
        await store.close();
        await fake.close();
      }
    },
  );

  it('rejects bad options with ConfigurationError', () => {
    expect(() => new DynamoDbStore({ tableName: 'x' })).toThrow(ConfigurationError);
    expect(() => new DynamoDbStore({ tableName: 'good-name', listShards: 0 })).toThrow(ConfigurationError);
    expect(() => new DynamoDbStore({ tableName: 'good-name', listShards: 1025 })).toThrow(ConfigurationError);
    expect(() => new DynamoDbStore({ tableName: 'good-name', operationTimeoutMs: 1.5 })).toThrow(ConfigurationError);
  });
});
