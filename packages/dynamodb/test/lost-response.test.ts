// Lost responses between the SDK and DynamoDB Local (issue 11): a loopback proxy forwards each request but drops the
// answer, then resets the connection. Before contract v2 the AWS SDK resent the PutItem: the caller's own create
// answered "condition failed" (registerClient threw conflict), and a create resent after another process took the
// entry wrote it back (a double take). Now the SDK sends a write once and the runtime recognises its own write.
import { DeleteItemCommand, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { type LossyProxy, startLossyProxy } from '@oauth-store/contract-tests';
import { isOutcomeUnknown, StoreUnavailableError } from '@oauth-store/core';
import { DynamoDbStore } from '../src/index';
import { partitionKey, utf8 } from '../src/layout';
import { endpoint, ensureTable, freshCollection, rawClient, TABLE } from './support';

const raw = rawClient();
let proxy: LossyProxy;
let store: DynamoDbStore;

beforeAll(async () => {
  await ensureTable();
  const backend = new URL(endpoint());
  proxy = await startLossyProxy({ host: backend.hostname, port: Number(backend.port) });
  store = new DynamoDbStore({
    tableName: TABLE,
    clientConfig: {
      endpoint: `http://127.0.0.1:${proxy.port}`,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      // The SDK default, spelled out: the store must not let it resend writes.
      maxAttempts: 3,
    },
  });
});

afterEach(() => proxy.setMode('pass'));

afterAll(async () => {
  await store.close();
  await proxy.close();
  raw.destroy();
});

function rawKey(collection: string, key: string) {
  return { pk: { B: partitionKey(utf8(collection), utf8(key)) } };
}

async function rawExists(collection: string, key: string): Promise<boolean> {
  const { Item } = await raw.send(
    new GetItemCommand({ TableName: TABLE, Key: rawKey(collection, key), ConsistentRead: true }),
  );
  return Item !== undefined;
}

/** Waits until DynamoDB holds (or no longer holds) the item: the request went through, its answer did not. */
async function untilStored(collection: string, key: string, present: boolean): Promise<void> {
  const deadline = Date.now() + 10_000;
  while ((await rawExists(collection, key)) !== present) {
    if (Date.now() > deadline) throw new Error(`the request never reached DynamoDB (present=${present})`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('dynamodb: lost responses (drop-responses, then a connection reset)', () => {
  it('a create whose response is lost resolves true for its own writer', async () => {
    const collection = freshCollection('lost');
    proxy.setMode('drop-responses');
    const created = store.set(collection, 'code', utf8('grant'), { onlyIfAbsent: true, ttlMs: 60_000 });
    await untilStored(collection, 'code', true);
    proxy.setMode('pass');
    proxy.resetConnections();
    expect(await created).toBe(true);
    expect(Buffer.from((await store.take(collection, 'code')) ?? [])).toEqual(Buffer.from('grant'));
  });

  it('a create whose response is lost is not resent after another process took the entry: no double take', async () => {
    const collection = freshCollection('lost');
    proxy.setMode('drop-responses');
    const created = store.set(collection, 'code', utf8('grant'), { onlyIfAbsent: true, ttlMs: 60_000 });
    await untilStored(collection, 'code', true);
    // Another process redeems the code while the creator still waits for its answer.
    const taken = await raw.send(
      new DeleteItemCommand({ TableName: TABLE, Key: rawKey(collection, 'code'), ReturnValues: 'ALL_OLD' }),
    );
    expect(taken.Attributes).toBeDefined();
    proxy.setMode('pass');
    proxy.resetConnections();
    const error = await created.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(StoreUnavailableError);
    expect(isOutcomeUnknown(error)).toBe(true);
    // Nothing wrote it back: the second redemption finds nothing.
    expect(await rawExists(collection, 'code')).toBe(false);
    expect(await store.take(collection, 'code')).toBeUndefined();
  });

  it('a take whose response is lost rejects outcomeUnknown (it did consume the entry) and is not resent', async () => {
    const collection = freshCollection('lost');
    await store.set(collection, 'code', utf8('grant'), { ttlMs: 60_000 });
    proxy.setMode('drop-responses');
    const take = store.take(collection, 'code');
    await untilStored(collection, 'code', false);
    proxy.setMode('pass');
    proxy.resetConnections();
    const error = await take.then(
      (value) => value,
      (e: unknown) => e,
    );
    // A resent take would have answered undefined ("no such code"), hiding that this call consumed it.
    expect(error).toBeInstanceOf(StoreUnavailableError);
    expect(isOutcomeUnknown(error)).toBe(true);
  });

  it('a compare-and-set whose response is lost resolves true for its own writer', async () => {
    const collection = freshCollection('lost');
    await store.set(collection, 'client', utf8('v1'));
    const entry = await store.getEntry(collection, 'client');
    proxy.setMode('drop-responses');
    const swapped = store.set(collection, 'client', utf8('v2'), { ifVersion: entry?.version as string });
    const deadline = Date.now() + 10_000;
    // Wait until the new version is stored (read directly, past the proxy).
    for (;;) {
      const { Item } = await raw.send(
        new GetItemCommand({ TableName: TABLE, Key: rawKey(collection, 'client'), ConsistentRead: true }),
      );
      if (Item && Buffer.compare(Buffer.from(Item.ver?.B ?? []), Buffer.from(entry?.version ?? '', 'base64url'))) break;
      if (Date.now() > deadline) throw new Error('the compare-and-set never reached DynamoDB');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    proxy.setMode('pass');
    proxy.resetConnections();
    expect(await swapped).toBe(true);
    expect(Buffer.from((await store.get(collection, 'client')) ?? [])).toEqual(Buffer.from('v2'));
  });
});
