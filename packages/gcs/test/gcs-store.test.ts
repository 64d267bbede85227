// GcsStore through the real @google-cloud/storage SDK against the harness's GCS server: the project's wire-level
// FAKE of the GCS JSON API unless GCS_FAKE_ENDPOINT points at another server.
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type ByteStore, encodeFrame, isOAuthStoreError } from '@oauth-store/core';
import { collectionPrefix, GcsStore, maxKeyBytesFor, objectName } from '../src/index';
import { bytes, freshBucket, newStorage, newStore, randomCollection } from './support';

let bucket: string;

beforeAll(async () => {
  bucket = await freshBucket();
});

/** Writes an object the way the adapter does (core's frame, expires-at), with any expiry, through the SDK (white-box). */
async function plant(collection: string, key: string, value: string, expiresAt?: number, prefix = 'oauth-store/') {
  const metadata: Record<string, string> = {};
  if (expiresAt !== undefined) metadata['expires-at'] = String(expiresAt);
  await newStorage()
    .bucket(bucket)
    .file(objectName(prefix, collection, key))
    .save(encodeFrame(Buffer.from(value), expiresAt), { resumable: false, metadata: { metadata } });
}

async function allKeys(store: ByteStore, collection: string, limit = 100): Promise<string[]> {
  const keys: string[] = [];
  let cursor: string | undefined;
  for (let pages = 0; pages < 1000; pages++) {
    const page = await store.list(collection, { limit, ...(cursor ? { cursor } : {}) });
    keys.push(...page.keys);
    cursor = page.cursor;
    if (!cursor) return keys;
  }
  throw new Error('list did not end');
}

describe('GcsStore: object names', () => {
  it('encodes collection and key as base64url under the prefix', () => {
    expect(objectName('p/', 'clients', 'a/b?c')).toBe(
      `p/${Buffer.from('clients').toString('base64url')}/${Buffer.from('a/b?c').toString('base64url')}`,
    );
    expect(collectionPrefix('', 'x')).toBe('eA/');
  });

  it('fits keys of at least 512 bytes even with the longest prefix and collection', () => {
    const longPrefix = `${'p'.repeat(127)}/`;
    expect(maxKeyBytesFor(longPrefix)).toBeGreaterThanOrEqual(512);
    const name = objectName(longPrefix, 'c'.repeat(128), 'k'.repeat(maxKeyBytesFor(longPrefix)));
    expect(Buffer.byteLength(name)).toBeLessThanOrEqual(1024);
    expect(new GcsStore({ bucket: 'b-b', storage: newStorage() }).capabilities.maxKeyBytes).toBe(
      maxKeyBytesFor('oauth-store/'),
    );
  });

  it('round-trips keys that are hostile as object names: URLs, newlines, dots, wildcards, emoji, max length', async () => {
    const store = newStore(bucket);
    const collection = randomCollection();
    const keys = [
      'https://client.example/metadata.json?x=1#frag',
      'line\r\nbreak',
      '.',
      '..',
      '.well-known/acme-challenge/x',
      '[*?#]',
      'é🔑',
      'k'.repeat(store.capabilities.maxKeyBytes),
    ];
    for (const [i, key] of keys.entries()) expect(await store.set(collection, key, bytes(`v${i}`))).toBe(true);
    for (const [i, key] of keys.entries()) expect(await store.get(collection, key)).toEqual(bytes(`v${i}`));
    expect((await allKeys(store, collection)).sort()).toEqual([...keys].sort());
  });

  it('rejects a key one byte over maxKeyBytes before touching the backend', async () => {
    const store = newStore(bucket);
    await expect(store.get('c', 'k'.repeat(store.capabilities.maxKeyBytes + 1))).rejects.toMatchObject({
      code: 'invalid_key',
    });
  });

  it('keeps collections apart even when one name is a prefix of another', async () => {
    const store = newStore(bucket);
    const base = randomCollection();
    await store.set(base, 'k1', bytes('a'));
    await store.set(`${base}x`, 'k2', bytes('b'));
    await store.set(`${base}/k1`, 'k3', bytes('c'));
    expect(await allKeys(store, base)).toEqual(['k1']);
    expect(await allKeys(store, `${base}x`)).toEqual(['k2']);
    expect(await store.get(base, 'k2')).toBeUndefined();
  });

  it('keeps stores with different (even nested) prefixes apart in one bucket', async () => {
    const outer = newStore(bucket, { prefix: 'app/' });
    const inner = newStore(bucket, { prefix: `app/${Buffer.from('c').toString('base64url')}/` });
    // The inner store's objects live under the outer store's list prefix for collection "c".
    await inner.set('d', 'k', bytes('inner'));
    await outer.set('c', 'own', bytes('outer'));
    expect(await allKeys(outer, 'c')).toEqual(['own']);
    expect(await allKeys(inner, 'd')).toEqual(['k']);
    expect(await outer.get('c', 'k')).toBeUndefined();
  });

  it('rejects prefixes that would break those guarantees', () => {
    for (const prefix of [
      'no-slash',
      '/abs/',
      'a\nb/',
      'x#/',
      '../',
      '.well-known/acme-challenge/',
      `${'p'.repeat(128)}/`,
    ]) {
      expect(() => new GcsStore({ bucket: 'bkt', prefix, storage: newStorage() })).toThrow(
        expect.objectContaining({ code: 'configuration' }),
      );
    }
    expect(() => new GcsStore({ bucket: 'Bad_Bucket!' })).toThrow(expect.objectContaining({ code: 'configuration' }));
  });
});

describe('GcsStore: expiry (white-box: objects planted with an expires-at in the past)', () => {
  it('an expired object is invisible to get, take, delete and list', async () => {
    const store = newStore(bucket);
    const collection = randomCollection();
    await plant(collection, 'expired', 'old', Date.now() - 1000);
    await plant(collection, 'live', 'new', Date.now() + 60_000);
    await plant(collection, 'forever', 'ever');
    expect(await store.get(collection, 'expired')).toBeUndefined();
    expect(await store.take(collection, 'expired')).toBeUndefined();
    expect((await allKeys(store, collection)).sort()).toEqual(['forever', 'live']);
    expect(await store.delete(collection, 'expired')).toBe(false);
    expect(await store.get(collection, 'live')).toEqual(bytes('new'));
    expect(await store.get(collection, 'forever')).toEqual(bytes('ever'));
  });

  it('onlyIfAbsent replaces an expired object and refuses a live one', async () => {
    const store = newStore(bucket);
    const collection = randomCollection();
    await plant(collection, 'k', 'old', Date.now() - 1);
    expect(await store.set(collection, 'k', bytes('new'), { onlyIfAbsent: true })).toBe(true);
    expect(await store.get(collection, 'k')).toEqual(bytes('new'));
    expect(await store.set(collection, 'k', bytes('newer'), { onlyIfAbsent: true })).toBe(false);
    expect(await store.get(collection, 'k')).toEqual(bytes('new'));
  });

  it('an unparsable expires-at hides the object from list (fail closed); get goes by the record itself', async () => {
    const store = newStore(bucket);
    const collection = randomCollection();
    await newStorage()
      .bucket(bucket)
      .file(objectName('oauth-store/', collection, 'k'))
      .save(encodeFrame(Buffer.from('v'), undefined), {
        resumable: false,
        metadata: { metadata: { 'expires-at': 'soon' } },
      });
    expect(await allKeys(store, collection)).toEqual([]);
    expect(await store.get(collection, 'k')).toEqual(bytes('v'));
  });

  it('an object that is not a record (written by another program) is an integrity error, not a value', async () => {
    const store = newStore(bucket);
    const collection = randomCollection();
    await newStorage()
      .bucket(bucket)
      .file(objectName('oauth-store/', collection, 'k'))
      .save(Buffer.from('plain bytes'), { resumable: false });
    await expect(store.get(collection, 'k')).rejects.toMatchObject({ code: 'integrity' });
  });

  it('writes expires-at (ms) and Custom-Time (for the lifecycle rule) with a TTL, neither without', async () => {
    const store = newStore(bucket);
    const collection = randomCollection();
    const before = Date.now();
    await store.set(collection, 'ttl', bytes('v'), { ttlMs: 60_000 });
    await store.set(collection, 'plain', bytes('v'));
    const file = (key: string) =>
      newStorage()
        .bucket(bucket)
        .file(objectName('oauth-store/', collection, key));
    const [ttl] = await file('ttl').getMetadata();
    const expiresAt = Number(ttl.metadata?.['expires-at']);
    expect(expiresAt).toBeGreaterThanOrEqual(before + 60_000);
    expect(expiresAt).toBeLessThanOrEqual(Date.now() + 60_000);
    expect(Date.parse(String(ttl.customTime))).toBe(expiresAt);
    const [plain] = await file('plain').getMetadata();
    expect(plain.metadata?.['expires-at']).toBeUndefined();
    expect(plain.customTime).toBeUndefined();
  });

  it('stops returning an entry once its TTL passes (polled with a deadline)', async () => {
    const store = newStore(bucket);
    const collection = randomCollection();
    await store.set(collection, 'k', bytes('v'), { ttlMs: 300 });
    expect(await store.get(collection, 'k')).toEqual(bytes('v'));
    const deadline = Date.now() + 5_000;
    while ((await store.get(collection, 'k')) !== undefined) {
      if (Date.now() > deadline) throw new Error('entry still returned 5 s after a 300 ms TTL');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(await allKeys(store, collection)).toEqual([]);
  });
});

describe('GcsStore: conditional operations under real concurrency', () => {
  it('concurrent take from 10 stores with separate SDK clients: exactly one gets the value', async () => {
    const collection = randomCollection();
    for (let round = 0; round < 5; round++) {
      const key = `code-${round}`;
      await newStore(bucket).set(collection, key, bytes(`value-${round}`));
      const stores = Array.from({ length: 10 }, () => newStore(bucket));
      const results = await Promise.all(stores.map((store) => store.take(collection, key)));
      const winners = results.filter((r) => r !== undefined);
      expect(winners).toEqual([bytes(`value-${round}`)]);
      expect(await stores[0]!.get(collection, key)).toBeUndefined();
    }
  });

  it('concurrent onlyIfAbsent from 10 stores: exactly one write wins and its value is stored', async () => {
    const collection = randomCollection();
    const stores = Array.from({ length: 10 }, () => newStore(bucket));
    const results = await Promise.all(
      stores.map((store, i) => store.set(collection, 'k', bytes(`v${i}`), { onlyIfAbsent: true })),
    );
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(await stores[0]!.get(collection, 'k')).toEqual(bytes(`v${results.indexOf(true)}`));
  });

  it('concurrent plain sets of one key all succeed and leave one of their values', async () => {
    const collection = randomCollection();
    const stores = Array.from({ length: 6 }, () => newStore(bucket));
    const results = await Promise.all(stores.map((store, i) => store.set(collection, 'k', bytes(`v${i}`))));
    expect(results).toEqual(Array(6).fill(true));
    const value = await stores[0]!.get(collection, 'k');
    expect(stores.map((_, i) => bytes(`v${i}`))).toContainEqual(value);
  });

  it('concurrent delete: exactly one reports the live entry deleted', async () => {
    const collection = randomCollection();
    await newStore(bucket).set(collection, 'k', bytes('v'));
    const stores = Array.from({ length: 8 }, () => newStore(bucket));
    const results = await Promise.all(stores.map((store) => store.delete(collection, 'k')));
    expect(results.filter(Boolean)).toHaveLength(1);
  });
});

describe('GcsStore: list', () => {
  it('pages through a collection with a cursor while others write: nothing lost or repeated', async () => {
    const store = newStore(bucket);
    const collection = randomCollection();
    const initial = Array.from({ length: 30 }, (_, i) => `key-${i}`);
    await Promise.all(initial.map((key) => store.set(collection, key, bytes(key))));
    const seen: string[] = [];
    let cursor: string | undefined;
    let page = 0;
    do {
      const result = await store.list(collection, { limit: 7, ...(cursor ? { cursor } : {}) });
      expect(result.keys.length).toBeLessThanOrEqual(7);
      seen.push(...result.keys);
      cursor = result.cursor;
      // Writes between pages: new keys may or may not show up, existing ones must show up exactly once.
      await store.set(collection, `added-${page++}`, bytes('x'));
    } while (cursor);
    for (const key of initial) expect(seen.filter((k) => k === key)).toHaveLength(1);
    expect(new Set(seen).size).toBe(seen.length);
  });

  it('fills a page past expired objects', async () => {
    const store = newStore(bucket);
    const collection = randomCollection();
    for (let i = 0; i < 6; i++) await plant(collection, `dead-${i}`, 'x', Date.now() - 1000);
    await store.set(collection, 'alive', bytes('x'));
    const page = await store.list(collection, { limit: 3 });
    expect(page.keys).toEqual(['alive']);
  });

  it('rejects a cursor that is not one', async () => {
    const store = newStore(bucket);
    await expect(store.list(randomCollection(), { cursor: 'bm90IGEgY3Vyc29y' })).rejects.toMatchObject({
      code: 'invalid_value',
    });
  });
});

describe('GcsStore: errors', () => {
  it('a missing bucket is a ConfigurationError on set and list', async () => {
    const store = newStore(`missing-${randomBytes(4).toString('hex')}`);
    await expect(store.set('c', 'k', bytes('v'))).rejects.toMatchObject({ code: 'configuration' });
    await expect(store.list('c')).rejects.toMatchObject({ code: 'configuration' });
  });

  it('an unreachable server (connection refused) is a StoreUnavailableError', async () => {
    const closed = await new Promise<Server>((resolve) => {
      const server = createServer();
      server.listen(0, '127.0.0.1', () => resolve(server));
    });
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const store = new GcsStore({
      bucket: 'bkt',
      // No SDK retries, so no request outlives the test.
      storageOptions: { apiEndpoint: `http://127.0.0.1:${port}`, projectId: 'p', retryOptions: { autoRetry: false } },
    });
    const error = await store.get('c', 'k').catch((e: unknown) => e);
    expect(isOAuthStoreError(error, 'unavailable')).toBe(true);
  });

  describe('against a server that accepts connections but never answers', () => {
    let silent: Server;
    let apiEndpoint: string;
    beforeAll(async () => {
      silent = createServer(() => {
        // Never answers.
      });
      await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
      apiEndpoint = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
    });
    afterAll(async () => {
      silent.closeAllConnections();
      await new Promise((resolve) => silent.close(resolve));
    });

    it('requestTimeoutMs bounds each HTTP request: StoreUnavailableError', async () => {
      const store = new GcsStore({
        bucket: 'bkt',
        storageOptions: { apiEndpoint, projectId: 'p', retryOptions: { autoRetry: false } },
        requestTimeoutMs: 300,
      });
      const started = Date.now();
      const error = await store.take('c', 'k').catch((e: unknown) => e);
      expect(isOAuthStoreError(error, 'unavailable')).toBe(true);
      expect(Date.now() - started).toBeLessThan(3_000);
    });

    it('timeoutMs bounds the whole operation even when the client would wait longer', async () => {
      const store = new GcsStore({
        bucket: 'bkt',
        storageOptions: { apiEndpoint, projectId: 'p', retryOptions: { autoRetry: false } },
        requestTimeoutMs: 20_000,
        timeoutMs: 400,
      });
      const started = Date.now();
      const error = await store.set('c', 'k', bytes('v')).catch((e: unknown) => e);
      expect(isOAuthStoreError(error, 'unavailable')).toBe(true);
      // The write may have landed, and the runtime's own re-read (bounded the same way) could not tell.
      expect((error as { outcomeUnknown?: boolean }).outcomeUnknown).toBe(true);
      expect(Date.now() - started).toBeLessThan(3_000);
    });
  });

  it('errors never carry the object name (an encoded key), not even in the cause', async () => {
    const secretKey = `code-${randomBytes(8).toString('hex')}`;
    const store = newStore(`missing-${randomBytes(4).toString('hex')}`);
    const error = (await store.set('c', secretKey, bytes('v')).catch((e: unknown) => e)) as Error;
    const encoded = Buffer.from(secretKey).toString('base64url');
    const text = `${error.message} ${String((error.cause as Error | undefined)?.message)}`;
    expect(text).not.toContain(encoded);
    expect(text).not.toContain(secretKey);
  });

  it('rejects calls after close()', async () => {
    const store = newStore(bucket);
    await store.close();
    await expect(store.get('c', 'k')).rejects.toMatchObject({ code: 'closed' });
  });
});
