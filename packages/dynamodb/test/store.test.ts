import { GetItemCommand, PutItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { decodeFrame, encodeFrame, InvalidValueError, ValueTooLargeError } from '@oauth-store/core';
import { DynamoDbStore, LIST_INDEX_NAME, MAX_COLLECTION_BYTES, MAX_KEY_BYTES, MAX_VALUE_BYTES } from '../src/index';
import { listPartitionKey, partitionKey, shardOf, utf8 } from '../src/layout';
import { clientConfig, ensureTable, freshCollection, newStore, rawClient, TABLE } from './support';

const raw = rawClient();
let store: DynamoDbStore;

beforeAll(async () => {
  await ensureTable();
  store = newStore();
});

afterAll(async () => {
  await store.close();
  raw.destroy();
});

const bytes = (text: string) => new TextEncoder().encode(text);

/** Writes an item the way the store lays it out, but with any expiry, bypassing the store (white-box). */
async function putRaw(collection: string, key: string, value: Uint8Array, expiresAtMs: number, ttlSeconds: number) {
  const c = utf8(collection);
  const k = utf8(key);
  const frame = encodeFrame(value, expiresAtMs);
  await raw.send(
    new PutItemCommand({
      TableName: TABLE,
      Item: {
        pk: { B: partitionKey(c, k) },
        lpk: { B: listPartitionKey(c, shardOf(k, 8)) },
        k: { B: k },
        v: { B: frame },
        ver: { B: frame.subarray(9, 25) },
        exp: { N: String(expiresAtMs) },
        ttl: { N: String(ttlSeconds) },
      },
    }),
  );
}

async function rawItem(collection: string, key: string) {
  const { Item } = await raw.send(
    new GetItemCommand({
      TableName: TABLE,
      Key: { pk: { B: partitionKey(utf8(collection), utf8(key)) } },
      ConsistentRead: true,
    }),
  );
  return Item;
}

async function listAll(s: DynamoDbStore, collection: string, limit: number): Promise<string[]> {
  const keys: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await s.list(collection, { limit, ...(cursor ? { cursor } : {}) });
    expect(page.keys.length).toBeLessThanOrEqual(limit);
    keys.push(...page.keys);
    cursor = page.cursor;
  } while (cursor);
  return keys;
}

describe('expired entries that DynamoDB has not deleted yet', () => {
  // DynamoDB's TTL deletion runs up to days late; here `ttl` is an hour ahead so nothing deletes the item, while the
  // precise expiry `exp` is in the past. The store must treat it as absent everywhere.
  it('are invisible to get, take, delete and list, and absent for onlyIfAbsent', async () => {
    const collection = freshCollection();
    const past = Date.now() - 1_000;
    await putRaw(collection, 'expired', bytes('old'), past, Math.ceil(Date.now() / 1000) + 3600);
    await store.set(collection, 'live', bytes('here'));
    expect(await rawItem(collection, 'expired')).toBeDefined();

    expect(await store.get(collection, 'expired')).toBeUndefined();
    expect(await store.take(collection, 'expired')).toBeUndefined();
    expect(await store.delete(collection, 'expired')).toBe(false);
    expect(await listAll(store, collection, 100)).toEqual(['live']);
    // The item is still physically there: what hid it was the read-side filter, not a deletion.
    expect(await rawItem(collection, 'expired')).toBeDefined();

    expect(await store.set(collection, 'expired', bytes('new'), { onlyIfAbsent: true })).toBe(true);
    expect(Buffer.from((await store.get(collection, 'expired')) ?? [])).toEqual(Buffer.from('new'));
    expect(await store.set(collection, 'expired', bytes('newer'), { onlyIfAbsent: true })).toBe(false);
  });

  it('an entry becomes invisible at its millisecond expiry, not at the TTL second', async () => {
    const collection = freshCollection();
    await store.set(collection, 'short', bytes('v'), { ttlMs: 300 });
    expect(await store.get(collection, 'short')).toBeDefined();
    const deadline = Date.now() + 5_000;
    while ((await store.get(collection, 'short')) !== undefined) {
      if (Date.now() > deadline) throw new Error('entry still visible 5 s after a 300 ms TTL');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(await store.take(collection, 'short')).toBeUndefined();
  });
});

describe('item layout (white-box)', () => {
  it('stores the precise expiry in ms and the TTL attribute in whole seconds rounded up', async () => {
    const collection = freshCollection();
    const before = Date.now();
    await store.set(collection, 'k', bytes('v'), { ttlMs: 60_500 });
    const after = Date.now();
    const item = await rawItem(collection, 'k');
    const exp = Number(item?.exp?.N);
    expect(exp).toBeGreaterThanOrEqual(before + 60_500);
    expect(exp).toBeLessThanOrEqual(after + 60_500);
    expect(Number(item?.ttl?.N)).toBe(Math.ceil(exp / 1000));
    // `v` holds the runtime's frame verbatim (same expiry inside), `ver` a copy of its version.
    const frame = decodeFrame(item?.v?.B ?? new Uint8Array(0), 'test');
    expect(Buffer.from(frame.value)).toEqual(Buffer.from('v'));
    expect(frame.expiresAt).toBe(exp);
    expect(Buffer.from(item?.ver?.B ?? [])).toEqual(Buffer.from(frame.versionBytes));
    expect((await store.getEntry(collection, 'k'))?.version).toBe(
      Buffer.from(frame.versionBytes).toString('base64url'),
    );

    await store.set(collection, 'forever', bytes('v'));
    const forever = await rawItem(collection, 'forever');
    expect(forever?.exp).toBeUndefined();
    expect(forever?.ttl).toBeUndefined();
  });

  it("spreads one collection's list-index entries over every shard", async () => {
    const collection = freshCollection();
    await Promise.all(Array.from({ length: 64 }, (_, i) => store.set(collection, `client-${i}`, bytes('v'))));
    const perShard: number[] = [];
    for (let shard = 0; shard < 8; shard++) {
      const { Count } = await raw.send(
        new QueryCommand({
          TableName: TABLE,
          IndexName: LIST_INDEX_NAME,
          KeyConditionExpression: 'lpk = :p',
          ExpressionAttributeValues: { ':p': { B: listPartitionKey(utf8(collection), shard) } },
          Select: 'COUNT',
        }),
      );
      perShard.push(Count ?? 0);
    }
    expect(perShard.reduce((a, b) => a + b, 0)).toBe(64);
    expect(Math.min(...perShard)).toBeGreaterThan(0);
  });

  it('keeps (collection, key) pairs that concatenate alike apart', async () => {
    const prefix = freshCollection();
    await store.set(`${prefix}ab`, 'c', bytes('one'));
    await store.set(`${prefix}a`, 'bc', bytes('two'));
    expect(Buffer.from((await store.get(`${prefix}ab`, 'c')) ?? [])).toEqual(Buffer.from('one'));
    expect(Buffer.from((await store.get(`${prefix}a`, 'bc')) ?? [])).toEqual(Buffer.from('two'));
  });
});

describe('keys and values at the limits', () => {
  it(`holds a ${MAX_KEY_BYTES}-byte multi-byte key and a ${MAX_COLLECTION_BYTES}-byte collection with a maximal value`, async () => {
    const collection = `${freshCollection()}-${'é'.repeat(200)}`.slice(0, 100);
    const longCollection = collection + 'x'.repeat(MAX_COLLECTION_BYTES - Buffer.byteLength(collection));
    expect(Buffer.byteLength(longCollection)).toBe(MAX_COLLECTION_BYTES);
    const key = `${'😀'.repeat(255)}abcd`;
    expect(Buffer.byteLength(key)).toBe(MAX_KEY_BYTES);
    const value = new Uint8Array(MAX_VALUE_BYTES).fill(7);
    expect(await store.set(longCollection, key, value, { ttlMs: 60_000 })).toBe(true);
    expect((await store.get(longCollection, key))?.byteLength).toBe(MAX_VALUE_BYTES);
    expect(await listAll(store, longCollection, 10)).toEqual([key]);
    expect((await store.take(longCollection, key))?.byteLength).toBe(MAX_VALUE_BYTES);
  });

  it('DynamoDB itself rejects an item over 400 KB (so the store-side limit is needed)', async () => {
    await expect(
      putRaw(freshCollection(), 'k', new Uint8Array(400 * 1024), Date.now() + 60_000, 0),
    ).rejects.toMatchObject({ name: 'ValidationException' });
  });

  it('rejects a value over maxValueBytes with ValueTooLargeError before sending any request', async () => {
    const client = rawClient();
    let requests = 0;
    // Observes every request the client builds; nothing is replaced or mocked.
    client.middlewareStack.add(
      (next) => async (args) => {
        requests++;
        return next(args);
      },
      { step: 'initialize', name: 'countRequests' },
    );
    const counted = new DynamoDbStore({ tableName: TABLE, client });
    try {
      const collection = freshCollection();
      await counted.get(collection, 'probe');
      expect(requests).toBe(1);
      await expect(counted.set(collection, 'k', new Uint8Array(MAX_VALUE_BYTES + 1))).rejects.toBeInstanceOf(
        ValueTooLargeError,
      );
      expect(requests).toBe(1);
    } finally {
      await counted.close();
      client.destroy();
    }
  });

  it('stores an empty value', async () => {
    const collection = freshCollection();
    await store.set(collection, 'empty', new Uint8Array(0));
    expect((await store.get(collection, 'empty'))?.byteLength).toBe(0);
    expect((await store.take(collection, 'empty'))?.byteLength).toBe(0);
    expect(await store.get(collection, 'empty')).toBeUndefined();
  });
});

describe('list over shards', () => {
  it('returns every key exactly once across shards and pages, and nothing from other collections', async () => {
    const sharded = newStore({ listShards: 4 });
    try {
      const collection = freshCollection();
      const other = freshCollection();
      const keys = Array.from({ length: 23 }, (_, i) => `key-${i}-${'ü'.repeat(i)}`);
      await Promise.all(keys.map((key) => sharded.set(collection, key, bytes('v'))));
      await sharded.set(other, 'elsewhere', bytes('v'));
      for (const limit of [1, 3, 100]) {
        const listed = await listAll(sharded, collection, limit);
        expect([...listed].sort()).toEqual([...keys].sort());
      }
    } finally {
      await sharded.close();
    }
  });

  it('costs one Query per shard for a small collection, in one call', async () => {
    const client = rawClient();
    let queries = 0;
    // Observes the Query calls the store makes; nothing is replaced or mocked.
    client.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'QueryCommand') queries++;
        return next(args);
      },
      { step: 'initialize', name: 'countQueries' },
    );
    const counted = new DynamoDbStore({ tableName: TABLE, client });
    try {
      const collection = freshCollection();
      expect(await counted.list(collection)).toEqual({ keys: [] });
      expect(queries).toBe(8);
      await Promise.all(Array.from({ length: 20 }, (_, i) => counted.set(collection, `k${i}`, bytes('v'))));
      queries = 0;
      const page = await counted.list(collection, { limit: 100 });
      expect(page.keys).toHaveLength(20);
      expect(page.cursor).toBeUndefined();
      expect(queries).toBe(8);
    } finally {
      await counted.close();
      client.destroy();
    }
  });

  it('rejects a cursor it did not issue, or one from a store with more shards', async () => {
    const collection = freshCollection();
    await expect(store.list(collection, { cursor: 'not a cursor!' })).rejects.toBeInstanceOf(InvalidValueError);
    await expect(store.list(collection, { cursor: 'AAAA' })).rejects.toBeInstanceOf(InvalidValueError);
    const wide = newStore({ listShards: 64 });
    try {
      await Promise.all(Array.from({ length: 40 }, (_, i) => wide.set(collection, `k${i}`, bytes('v'))));
      let cursor: string | undefined;
      let shardBeyond8: string | undefined;
      do {
        const page: { cursor?: string } = await wide.list(collection, { limit: 1, ...(cursor ? { cursor } : {}) });
        cursor = page.cursor;
        if (cursor && Buffer.from(cursor, 'base64url').readUInt16BE(1) >= 8) shardBeyond8 = cursor;
      } while (cursor && !shardBeyond8);
      expect(shardBeyond8).toBeDefined();
      await expect(store.list(collection, { cursor: shardBeyond8 })).rejects.toBeInstanceOf(InvalidValueError);
    } finally {
      await wide.close();
    }
  });
});

describe('client ownership', () => {
  it('leaves an injected client usable after close()', async () => {
    const client = rawClient();
    const injected = new DynamoDbStore({ tableName: TABLE, client });
    await injected.close();
    await expect(
      client.send(new GetItemCommand({ TableName: TABLE, Key: { pk: { B: bytes('x') } } })),
    ).resolves.toBeDefined();
    client.destroy();
  });

  it('accepts clientConfig without a client', async () => {
    const own = new DynamoDbStore({ tableName: TABLE, clientConfig: clientConfig() });
    const collection = freshCollection();
    await own.set(collection, 'k', bytes('v'));
    expect(await own.take(collection, 'k')).toBeDefined();
    await own.close();
  });
});

describe('key decoding', () => {
  it('lists a key that starts with a byte-order mark exactly', async () => {
    const collection = freshCollection();
    await store.set(collection, '\uFEFFbom', bytes('v'));
    expect(await listAll(store, collection, 10)).toEqual(['\uFEFFbom']);
  });
});
