import { createServer } from 'node:net';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ConfigurationError, isOutcomeUnknown, StoreUnavailableError } from '@oauth-store/core';
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

  it('timeoutMs bounds an injected client that has no timeout of its own', async () => {
    const fake = await startFakeDynamoDbErrors({ mode: 'hang' });
    const client = new DynamoDBClient({ endpoint: fake.endpoint, region: 'us-east-1', credentials });
    const store = new DynamoDbStore({ tableName: 'oauth-store-test', client, timeoutMs: 400 });
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
    expect(() => new DynamoDbStore({ tableName: 'good-name', timeoutMs: 1.5 })).toThrow(ConfigurationError);
    expect(() => new DynamoDbStore({ tableName: 'good-name', operationTimeoutMs: 0 })).toThrow(ConfigurationError);
    expect(() => new DynamoDbStore({ url: 'dynamodb://127.0.0.1:8000' })).toThrow(/table=/);
    expect(() => new DynamoDbStore({ url: 'dynamodb://127.0.0.1:8000?table=abc', tableName: 'abc' })).toThrow(
      ConfigurationError,
    );
  });
});

describe('the SDK never resends a write, delete or take (its retry strategy is left at the default 3 attempts)', () => {
  /** A store whose client counts attempts (every request the retry middleware lets through) per command. */
  function retryingStoreAt(endpoint: string) {
    // maxAttempts 3 is the SDK's default; spelled out so the test says what it proves.
    const client = new DynamoDBClient({ endpoint, region: 'us-east-1', credentials, maxAttempts: 3 });
    const attempts: Record<string, number> = {};
    // Observes each attempt (inside the SDK's retry loop); nothing is replaced or mocked.
    client.middlewareStack.addRelativeTo(
      ((next: (args: unknown) => Promise<unknown>, context: { commandName?: string }) => async (args: unknown) => {
        attempts[context.commandName ?? '?'] = (attempts[context.commandName ?? '?'] ?? 0) + 1;
        return next(args);
      }) as never,
      { relation: 'after', toMiddleware: 'retryMiddleware', name: 'countAttempts' },
    );
    const store = new DynamoDbStore({ tableName: 'oauth-store-test', client });
    return { store, attempts, client };
  }

  it.each([
    ['set', 'PutItemCommand', (s: DynamoDbStore) => s.set('c', SECRET_KEY, new Uint8Array([1]))],
    [
      'set onlyIfAbsent',
      'PutItemCommand',
      (s: DynamoDbStore) => s.set('c', SECRET_KEY, new Uint8Array([1]), { onlyIfAbsent: true }),
    ],
    ['delete', 'DeleteItemCommand', (s: DynamoDbStore) => s.delete('c', SECRET_KEY)],
    ['take', 'DeleteItemCommand', (s: DynamoDbStore) => s.take('c', SECRET_KEY)],
  ])('%s answered 500 is sent once and rejects with outcomeUnknown', async (_name, command, operation) => {
    const fake = await startFakeDynamoDbErrors({ mode: 'error', errorType: 'InternalServerError', status: 500 });
    const { store, attempts, client } = retryingStoreAt(fake.endpoint);
    try {
      const error = await failure(operation(store));
      expect(error).toBeInstanceOf(StoreUnavailableError);
      expect(isOutcomeUnknown(error)).toBe(true);
      expect(attempts[command]).toBe(1);
    } finally {
      await store.close();
      client.destroy();
      await fake.close();
    }
  });

  it('a read answered 500 is retried as the SDK is configured (3 attempts)', async () => {
    const fake = await startFakeDynamoDbErrors({ mode: 'error', errorType: 'InternalServerError', status: 500 });
    const { store, attempts, client } = retryingStoreAt(fake.endpoint);
    try {
      expect(await failure(store.get('c', SECRET_KEY))).toBeInstanceOf(StoreUnavailableError);
      expect(attempts.GetItemCommand).toBe(3);
    } finally {
      await store.close();
      client.destroy();
      await fake.close();
    }
  });

  it('a throttled write (DynamoDB refused it, nothing applied) may be retried, and says it was not applied', async () => {
    const fake = await startFakeDynamoDbErrors({ mode: 'error', errorType: 'ThrottlingException', status: 400 });
    const { store, attempts, client } = retryingStoreAt(fake.endpoint);
    try {
      const error = await failure(store.take('c', SECRET_KEY));
      expect(error).toBeInstanceOf(StoreUnavailableError);
      expect(isOutcomeUnknown(error)).toBe(false);
      expect(attempts.DeleteItemCommand).toBe(3);
    } finally {
      await store.close();
      client.destroy();
      await fake.close();
    }
  });
});

describe('no region configured (issue 13 item 3)', () => {
  const saved = { AWS_REGION: process.env.AWS_REGION, AWS_CONFIG_FILE: process.env.AWS_CONFIG_FILE };
  beforeAll(() => {
    delete process.env.AWS_REGION;
    // An empty shared config file: no profile can supply a region either.
    process.env.AWS_CONFIG_FILE = '/dev/null';
  });
  afterAll(() => {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  });

  it('ready() and every operation reject with a configuration error naming the region, not unavailable', async () => {
    const store = new DynamoDbStore({ tableName: 'oauth-store-test', clientConfig: { credentials } });
    try {
      const atReady = await failure(store.ready());
      expect(atReady).toBeInstanceOf(ConfigurationError);
      expect(atReady.message).toMatch(/region/);
      expect(atReady.message).toMatch(/AWS_REGION/);
      for (const operation of [store.get('c', SECRET_KEY), store.set('c', SECRET_KEY, new Uint8Array([1]))]) {
        const error = await failure(operation);
        expect(error).toBeInstanceOf(ConfigurationError);
        expect(error.message).toMatch(/no AWS region is configured/);
      }
    } finally {
      await store.close();
    }
  });
});
