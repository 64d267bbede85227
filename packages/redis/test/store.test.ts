import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type ByteStore, isOAuthStoreError } from '@oauth-store/core';
import { Cluster, Redis } from 'ioredis';
import { createClient } from 'redis';
import { createRedisStore } from '../src/index';
import { SWEEP_BATCH, SWEEP_EVERY } from '../src/index-sweep';
import { KeyLayout } from '../src/key-layout';
import {
  bytes,
  CLUSTER_KINDS,
  type ClientKind,
  clusterUrls,
  eventually,
  freshPrefix,
  hostPort,
  IOREDIS_OPTIONS,
  listAll,
  rawClient,
  STANDALONE_KINDS,
  StoreFactory,
  standaloneUrl,
} from './support';

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

describe.each([...STANDALONE_KINDS, ...CLUSTER_KINDS] as ClientKind[])('redis store via %s', (kind) => {
  const cluster = CLUSTER_KINDS.includes(kind);
  const prefix = freshPrefix(kind);
  const layout = new KeyLayout(prefix, 16);
  const factory = new StoreFactory(kind, { keyPrefix: prefix });
  let store: ByteStore;
  let raw: Redis | Cluster;

  beforeAll(async () => {
    store = await factory.create();
    raw = rawClient(cluster);
  });
  afterAll(async () => {
    await factory.closeAll();
    await raw.quit();
  });

  it('round-trips arbitrary bytes, including the empty value', async () => {
    const all = new Uint8Array(256).map((_, i) => i);
    expect(await store.set('values', 'all-bytes', all)).toBe(true);
    expect(await store.get('values', 'all-bytes')).toEqual(all);
    expect(await store.set('values', 'empty', new Uint8Array(0))).toBe(true);
    expect(await store.get('values', 'empty')).toEqual(new Uint8Array(0));
    expect(await store.get('values', 'missing')).toBeUndefined();
  });

  it('keeps keys and collections with separator and brace characters apart', async () => {
    const pairs: Array<[string, string]> = [
      ['c', 'a:b'],
      ['c:a', 'b'],
      ['c}', 'x'],
      ['c', '}x'],
      ['{c}', 'e:x'],
      ['c', '\0'],
      ['c', '🔑'],
      ['c', 'k'.repeat(1024)],
    ];
    for (const [i, [collection, key]] of pairs.entries()) await store.set(collection, key, bytes(String(i)));
    for (const [i, [collection, key]] of pairs.entries())
      expect(await store.get(collection, key)).toEqual(bytes(String(i)));
  });

  it('uses native TTLs: PXAT on the entry with a TTL, none after a plain set', async () => {
    await store.set('ttl', 'k', bytes('v'), { ttlMs: 60_000 });
    const { entry } = layout.entryKeys('ttl', 'k');
    const pttl = await raw.pttl(entry);
    expect(pttl).toBeGreaterThan(55_000);
    expect(pttl).toBeLessThanOrEqual(60_000);
    await store.set('ttl', 'k', bytes('v2'));
    expect(await raw.pttl(entry)).toBe(-1);
    expect(await store.get('ttl', 'k')).toEqual(bytes('v2'));
  });

  it('accepts the largest TTL the contract allows', async () => {
    expect(await store.set('ttl', 'forever', bytes('v'), { ttlMs: Number.MAX_SAFE_INTEGER })).toBe(true);
    expect(await store.get('ttl', 'forever')).toEqual(bytes('v'));
    expect(await raw.pttl(layout.entryKeys('ttl', 'forever').entry)).toBeGreaterThan(1e15);
  });

  it('lets entries expire: gone from get, take, delete and list; list removes their index members', async () => {
    const collection = 'expiring';
    for (let i = 0; i < 20; i++) await store.set(collection, `short-${i}`, bytes('v'), { ttlMs: 50 });
    await store.set(collection, 'long', bytes('v'));
    await eventually('the short entries expired', async () => (await store.get(collection, 'short-0')) === undefined);
    await eventually('every short entry expired', async () => {
      for (let i = 0; i < 20; i++) if ((await store.get(collection, `short-${i}`)) !== undefined) return false;
      return true;
    });
    expect(await store.take(collection, 'short-1')).toBeUndefined();
    expect(await store.delete(collection, 'short-2')).toBe(false);
    expect(await store.set(collection, 'short-3', bytes('again'), { onlyIfAbsent: true })).toBe(true);
    expect(await listAll(store, collection, 3)).toEqual(['long', 'short-3']);
    // White-box: once Redis itself dropped the entries (its expiry may lag the frame's by a millisecond), list removes
    // their members from the key index.
    await eventually('Redis dropped the expired entries', async () => {
      for (let i = 4; i < 20; i++)
        if ((await raw.exists(layout.entryKey(collection, `short-${i}`))) !== 0) return false;
      return true;
    });
    expect(await listAll(store, collection, 3)).toEqual(['long', 'short-3']);
    let members = 0;
    for (const bucket of layout.bucketKeys(collection)) members += await raw.zcard(bucket.index);
    expect(members).toBe(2);
  });

  it('keeps the key index bounded when entries are written and taken but never listed (the sweep)', async () => {
    const collection = 'codes-never-listed';
    const buckets = 2;
    const few = await factory.create({ buckets });
    const fewLayout = new KeyLayout(prefix, buckets);
    const cycles = 600;
    for (let i = 0; i < cycles; i++) {
      await few.set(collection, `code-${i}`, bytes('v'), { ttlMs: 60_000 });
      expect(await few.take(collection, `code-${i}`)).toEqual(bytes('v'));
    }
    // Each take leaves a member behind; without the sweep the index would hold all 600 of them.
    let members = 0;
    for (const bucket of fewLayout.bucketKeys(collection)) members += await raw.zcard(bucket.index);
    expect(members).toBeLessThanOrEqual(buckets * (SWEEP_EVERY + SWEEP_BATCH));
    // The stale members never show up in list, which removes them.
    expect(await listAll(few, collection, 50)).toEqual([]);
    members = 0;
    for (const bucket of fewLayout.bucketKeys(collection)) members += await raw.zcard(bucket.index);
    expect(members).toBe(0);
  });

  it('reads and lists data written by the previous layout (with its expiry index)', async () => {
    const collection = 'legacy';
    await store.set(collection, 'live', bytes('v'), { ttlMs: 60_000 });
    const live = layout.entryKeys(collection, 'live');
    const gone = layout.entryKeys(collection, 'gone');
    // What the previous layout left: every member also in the expiry index; a member whose entry is gone.
    await raw.zadd(live.expiry, Date.now() + 60_000, 'live');
    await raw.zadd(gone.index, 0, 'gone');
    await raw.zadd(gone.expiry, Date.now() - 1_000, 'gone');
    expect(await listAll(store, collection)).toEqual(['live']);
    expect(await raw.zscore(gone.index, 'gone')).toBeNull();
    expect(await raw.zscore(gone.expiry, 'gone')).toBeNull();
    expect(await store.take(collection, 'live')).toEqual(bytes('v'));
    expect(await listAll(store, collection)).toEqual([]);
    expect(await raw.zscore(live.expiry, 'live')).toBeNull();
  });

  it('expires to the millisecond: no read started at or after set-resolved + ttlMs sees the entry; a create then succeeds', async () => {
    for (let round = 0; round < 8; round++) {
      const ttlMs = 15 + round * 5;
      const key = `ms-${round}`;
      await store.set('ms', key, bytes('v'), { ttlMs });
      const expiredBy = Date.now() + ttlMs;
      const seenLate: number[] = [];
      for (;;) {
        const started = Date.now();
        const [value, entry] = await Promise.all([store.get('ms', key), store.getEntry('ms', key)]);
        if (started >= expiredBy && (value !== undefined || entry !== undefined)) seenLate.push(started - expiredBy);
        if (started > expiredBy + 5) break;
      }
      expect(seenLate).toEqual([]);
      // Expired counts as absent for a conditional create, to the same millisecond (the script reads the frame's
      // expiry against the caller's clock; Redis' own expiry would keep the key 1 ms longer).
      await store.set('ms', `nx-${round}`, bytes('v'), { ttlMs });
      const nxExpiredBy = Date.now() + ttlMs;
      while (Date.now() < nxExpiredBy) await store.get('ms', 'busy');
      expect(await store.set('ms', `nx-${round}`, bytes('again'), { onlyIfAbsent: true })).toBe(true);
      expect(await store.take('ms', `nx-${round}`)).toEqual(bytes('again'));
    }
  });

  it('compare-and-set: getEntry versions, ifVersion on set and delete, natively in Redis', async () => {
    expect(store.capabilities.compareAndSet).toBe(true);
    await store.set('cas', 'k', bytes('v1'), { ttlMs: 60_000 });
    const first = await store.getEntry('cas', 'k');
    expect(first?.value).toEqual(bytes('v1'));
    expect(await store.set('cas', 'k', bytes('v2'), { ifVersion: first!.version })).toBe(true);
    // The old version no longer matches: neither a write nor a delete goes through.
    expect(await store.set('cas', 'k', bytes('v3'), { ifVersion: first!.version })).toBe(false);
    expect(await store.delete('cas', 'k', { ifVersion: first!.version })).toBe(false);
    const second = await store.getEntry('cas', 'k');
    expect(second?.value).toEqual(bytes('v2'));
    // A write without a TTL drops the expiry, natively too.
    expect(second?.expiresAt).toBeUndefined();
    expect(await raw.pttl(layout.entryKeys('cas', 'k').entry)).toBe(-1);
    expect(await store.delete('cas', 'k', { ifVersion: second!.version })).toBe(true);
    expect(await store.set('cas', 'k', bytes('v4'), { ifVersion: second!.version })).toBe(false);
    expect(await store.get('cas', 'k')).toBeUndefined();
    expect(await listAll(store, 'cas')).toEqual([]);
  });

  it('delete reports whether a live entry was removed and clears the index', async () => {
    await store.set('del', 'k', bytes('v'));
    expect(await store.delete('del', 'k')).toBe(true);
    expect(await store.delete('del', 'k')).toBe(false);
    expect(await store.get('del', 'k')).toBeUndefined();
    expect(await listAll(store, 'del')).toEqual([]);
  });

  it('take hands the value to exactly one of many concurrent callers on several connections', async () => {
    const stores = [store, await factory.create(), await factory.create(), await factory.create()];
    for (let round = 0; round < 20; round++) {
      const key = `code-${round}`;
      await store.set('codes', key, bytes(`value-${round}`), { ttlMs: 60_000 });
      const results = await Promise.all(
        Array.from({ length: 24 }, (_, i) => stores[i % stores.length]!.take('codes', key)),
      );
      const winners = results.filter((value) => value !== undefined);
      expect(winners).toEqual([bytes(`value-${round}`)]);
    }
    expect(await listAll(store, 'codes')).toEqual([]);
  });

  it('onlyIfAbsent lets exactly one of many concurrent writers win', async () => {
    const stores = [store, await factory.create(), await factory.create()];
    for (let round = 0; round < 10; round++) {
      const results = await Promise.all(
        Array.from({ length: 12 }, (_, i) =>
          stores[i % stores.length]!.set('nx', `k-${round}`, bytes(String(i)), { onlyIfAbsent: true, ttlMs: 60_000 }),
        ),
      );
      expect(results.filter(Boolean)).toHaveLength(1);
    }
  });

  it('lists in key-byte order, every key present throughout exactly once while others write', async () => {
    const collection = 'paging';
    const stable = Array.from({ length: 150 }, (_, i) => `stable-${String(i).padStart(3, '0')}`);
    for (const key of stable) await store.set(collection, key, bytes('v'));
    const writer = await factory.create();
    let writing = true;
    const churn = (async () => {
      let i = 0;
      while (writing) {
        await writer.set(collection, `churn-${i % 40}`, bytes('v'), { ttlMs: i % 2 ? 30 : 60_000 });
        await writer.delete(collection, `churn-${(i + 20) % 40}`);
        i++;
      }
    })();
    try {
      for (const limit of [1, 7, 100]) {
        const seen = await listAll(store, collection, limit);
        expect(new Set(seen).size).toBe(seen.length);
        expect(seen.filter((key) => key.startsWith('stable-'))).toEqual(stable);
        const sorted = [...seen].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
        expect(seen).toEqual(sorted);
      }
    } finally {
      writing = false;
      await churn;
    }
  });

  it('rejects a cursor it did not issue', async () => {
    const error = await rejection(store.list('paging', { cursor: '!!not-a-cursor!!' }));
    expect(isOAuthStoreError(error, 'invalid_value')).toBe(true);
  });

  it('reports a foreign key of another type as a configuration error that names no key', async () => {
    const secretKey = 'authorization-code-SECRET123';
    const { entry } = layout.entryKeys('foreign', secretKey);
    await raw.hset(entry, 'field', 'value');
    const error = await rejection(store.get('foreign', secretKey));
    expect(isOAuthStoreError(error, 'configuration')).toBe(true);
    const text = `${(error as Error).message} ${String((error as Error).cause)} ${JSON.stringify(error)}`;
    expect(text).not.toContain('SECRET123');
    await raw.del(entry);
  });

  if (cluster) {
    it('spreads one collection over several masters', async () => {
      const collection = 'spread';
      for (let i = 0; i < 64; i++) await store.set(collection, `key-${i}`, bytes('v'));
      const masters = (raw as Cluster).nodes('master');
      expect(masters.length).toBeGreaterThanOrEqual(3);
      const holding = await Promise.all(
        masters.map(async (node) => {
          const [, found] = await node.scan('0', 'MATCH', `${prefix}*`, 'COUNT', 10_000);
          return found.length > 0;
        }),
      );
      expect(holding.filter(Boolean).length).toBeGreaterThanOrEqual(2);
      expect((await listAll(store, collection, 10)).length).toBe(64);
    });
  }
});

describe('key prefixes', () => {
  const factory = new StoreFactory('node-redis');
  afterAll(() => factory.closeAll());

  it('isolates stores that share one Redis under different prefixes', async () => {
    const a = await factory.create({ keyPrefix: freshPrefix('a') });
    const b = await factory.create({ keyPrefix: freshPrefix('b') });
    await a.set('clients', 'shared-id', bytes('from-a'));
    await b.set('clients', 'shared-id', bytes('from-b'));
    await a.set('clients', 'only-a', bytes('x'));
    expect(await a.get('clients', 'shared-id')).toEqual(bytes('from-a'));
    expect(await b.get('clients', 'shared-id')).toEqual(bytes('from-b'));
    expect(await listAll(a, 'clients')).toEqual(['only-a', 'shared-id']);
    expect(await listAll(b, 'clients')).toEqual(['shared-id']);
    expect(await b.take('clients', 'only-a')).toBeUndefined();
    expect(await a.take('clients', 'shared-id')).toEqual(bytes('from-a'));
    expect(await b.get('clients', 'shared-id')).toEqual(bytes('from-b'));
  });
});

describe('close', () => {
  it('closes a client it created, and rejects later calls with a closed error', async () => {
    const factory = new StoreFactory('url');
    const store = await factory.create();
    await store.set('c', 'k', bytes('v'));
    await store.close();
    expect(isOAuthStoreError(await rejection(store.get('c', 'k')), 'closed')).toBe(true);
    await factory.closeAll();
  });

  it("leaves a caller's client open", async () => {
    const nodeRedis = createClient({ url: standaloneUrl() });
    nodeRedis.on('error', () => {});
    await nodeRedis.connect();
    const ioredis = new Redis(standaloneUrl(), IOREDIS_OPTIONS);
    for (const client of [nodeRedis, ioredis]) {
      const store = await createRedisStore({ client, keyPrefix: freshPrefix('close') });
      await store.set('c', 'k', bytes('v'));
      await store.close();
    }
    expect(await nodeRedis.ping()).toBe('PONG');
    expect(await ioredis.ping()).toBe('PONG');
    await nodeRedis.close();
    await ioredis.quit();
  });
});

describe('clients that would resend a command after a reconnection', () => {
  it('refuses an ioredis client with autoResendUnfulfilledCommands on (the default), naming the option', async () => {
    for (const options of [{}, { autoResendUnfulfilledCommands: true }]) {
      const client = new Redis(standaloneUrl(), { ...options, lazyConnect: true });
      const error = await rejection(createRedisStore({ client }));
      expect(isOAuthStoreError(error, 'configuration')).toBe(true);
      expect((error as Error).message).toContain('autoResendUnfulfilledCommands: false');
      client.disconnect();
    }
  });

  it('refuses an ioredis Cluster that resends on a closed node connection, naming the option', async () => {
    for (const options of [
      {},
      { retryDelayOnFailover: 100 },
      { retryDelayOnFailover: 0, clusterNodeRetryStrategy: () => 50 },
    ]) {
      const client = new Cluster(clusterUrls().map(hostPort), { ...options, lazyConnect: true });
      const error = await rejection(createRedisStore({ client }));
      expect(isOAuthStoreError(error, 'configuration')).toBe(true);
      expect((error as Error).message).toContain('retryDelayOnFailover: 0');
      client.disconnect();
    }
  });

  it('accepts ioredis clients configured not to resend', async () => {
    const standalone = new Redis(standaloneUrl(), { autoResendUnfulfilledCommands: false, lazyConnect: true });
    const cluster = new Cluster(clusterUrls().map(hostPort), {
      retryDelayOnFailover: 0,
      clusterNodeRetryStrategy: () => 50,
      redisOptions: { autoResendUnfulfilledCommands: false },
      lazyConnect: true,
    });
    for (const client of [standalone, cluster]) {
      const store = await createRedisStore({ client, keyPrefix: freshPrefix('accepts') });
      expect(await store.set('c', 'k', bytes('v'))).toBe(true);
      expect(await store.get('c', 'k')).toEqual(bytes('v'));
      await store.close();
      client.disconnect();
    }
  });
});
