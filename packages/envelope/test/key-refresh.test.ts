import { afterEach, describe, expect, it } from '@jest/globals';
import { type ByteStore, ConfigurationError, MemoryStore, type OAuthStoreError } from '@oauth-store/core';
import { envKeySource, inspectEnvelope, withEnvelopeEncryption } from '../src/index';
import { CountingKeySource, material, newKey, renderings, waitFor } from './support/keys';

const open: ByteStore[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((store) => store.close()));
});

function track<T extends ByteStore>(store: T): T {
  open.push(store);
  return store;
}

const bytes = (text: string) => new TextEncoder().encode(text);

describe('key material from a KeySource', () => {
  it('loads exactly once for 10,000 operations', async () => {
    const source = new CountingKeySource(material(newKey('k1')));
    const store = track(withEnvelopeEncryption(new MemoryStore(), { keySource: source }));
    await store.ready();
    const operations: Promise<unknown>[] = [];
    for (let i = 0; i < 2_500; i += 1) {
      const key = `key-${i}`;
      operations.push(
        store
          .set('c', key, bytes(`value-${i}`))
          .then(() => store.get('c', key))
          .then(() => store.take('c', key))
          .then(() => store.delete('c', key)),
      );
    }
    await Promise.all(operations);
    expect(source.loads).toBe(1);
    expect(store.keyStatus()).toMatchObject({ primaryKid: 'k1', loads: 1, lastErrorCode: undefined });
  }, 30_000);

  it('operations issued before the first load finishes wait for it (still one load)', async () => {
    const source = new CountingKeySource(material(newKey('k1')));
    const store = track(withEnvelopeEncryption(new MemoryStore(), { keySource: source }));
    await Promise.all(Array.from({ length: 50 }, (_, i) => store.set('c', `k${i}`, bytes('v'))));
    expect(await store.get('c', 'k7')).toEqual(bytes('v'));
    expect(source.loads).toBe(1);
  });

  it('a missing secret fails start-up: ready() and every operation reject with a configuration error naming it', async () => {
    const store = track(
      withEnvelopeEncryption(new MemoryStore(), {
        keySource: envKeySource({ variable: 'OAUTH_STORE_TEST_KEK', encoding: 'base64', env: {} }),
      }),
    );
    await expect(store.ready()).rejects.toMatchObject({
      code: 'configuration',
      message: expect.stringContaining('environment variable OAUTH_STORE_TEST_KEK is not set'),
    });
    await expect(store.set('c', 'k', bytes('v'))).rejects.toMatchObject({ code: 'configuration' });
    await expect(store.get('c', 'k')).rejects.toMatchObject({ code: 'configuration' });
  });

  it('picks up a new primary on the refresh interval, without a restart; old records stay readable', async () => {
    const k1 = newKey('k1');
    const k2 = newKey('k2');
    const inner = new MemoryStore();
    const source = new CountingKeySource(material(k1));
    const store = track(withEnvelopeEncryption(inner, { keySource: source, refreshIntervalMs: 20 }));
    await store.set('c', 'old', bytes('old'));
    source.current = material(k2, k1);
    await waitFor(() => store.keyStatus().primaryKid === 'k2', 'the refresh to load k2');
    await store.set('c', 'new', bytes('new'));
    expect(inspectEnvelope((await inner.get('c', 'new'))!).kid).toBe('k2');
    expect(inspectEnvelope((await inner.get('c', 'old'))!).kid).toBe('k1');
    expect(await store.get('c', 'old')).toEqual(bytes('old'));
    expect(store.keyStatus().decryptOnlyKids).toEqual(['k1']);
  });

  it('a failed refresh keeps the old keys, reports through onError, and never reaches operations', async () => {
    const k1 = newKey('k1');
    const source = new CountingKeySource(material(k1));
    const reported: OAuthStoreError[] = [];
    const store = track(
      withEnvelopeEncryption(new MemoryStore(), {
        keySource: source,
        refreshIntervalMs: 15,
        onError: (error) => reported.push(error),
      }),
    );
    await store.ready();
    const secret = Buffer.from(k1.key).toString('hex');
    source.fail = new Error(`secret manager said: bad secret ${secret}`);
    await waitFor(() => reported.length >= 2, 'two failed refreshes to be reported');
    for (let i = 0; i < 20; i += 1) {
      await store.set('c', `k${i}`, bytes('v'));
      expect(await store.get('c', `k${i}`)).toEqual(bytes('v'));
    }
    expect(store.keyStatus()).toMatchObject({ primaryKid: 'k1', lastErrorCode: 'configuration' });
    for (const error of reported) {
      expect(error.code).toBe('configuration');
      expect(error.message).toContain('test key source');
      // A raw error from a source never has its message (which may quote the secret) copied.
      expect(error.message).not.toContain(secret);
      expect(error.cause).toBeUndefined();
    }
    // Recovery: the next good load is used again.
    source.fail = undefined;
    source.current = material(newKey('k9'), k1);
    await waitFor(() => store.keyStatus().primaryKid === 'k9', 'the refresh to recover');
    expect(store.keyStatus().lastErrorCode).toBeUndefined();
  });

  it('a typed error from a source is passed to onError as is; a throwing onError changes nothing', async () => {
    const source = new CountingKeySource(material(newKey('k1')));
    const store = track(
      withEnvelopeEncryption(new MemoryStore(), {
        keySource: source,
        refreshIntervalMs: 0,
        onError: () => {
          throw new Error('reporter broke');
        },
      }),
    );
    await store.ready();
    source.fail = new ConfigurationError('secret version disabled', { source: 'secrets-test' });
    await expect(store.refreshKeys()).rejects.toBe(source.fail);
    await store.set('c', 'k', bytes('v'));
    expect(source.loads).toBe(2);
  });

  it('refreshIntervalMs: 0 never refreshes; refreshKeys() loads on demand', async () => {
    const source = new CountingKeySource(material(newKey('k1')));
    const store = track(withEnvelopeEncryption(new MemoryStore(), { keySource: source, refreshIntervalMs: 0 }));
    await store.ready();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(source.loads).toBe(1);
    source.current = material(newKey('k2'));
    await store.refreshKeys();
    expect(store.keyStatus()).toMatchObject({ primaryKid: 'k2', loads: 2 });
  });

  it('invalid material from a refresh (wrong size) is rejected and the old keyring stays', async () => {
    const k1 = newKey('k1');
    const source = new CountingKeySource(material(k1));
    const store = track(withEnvelopeEncryption(new MemoryStore(), { keySource: source, refreshIntervalMs: 0 }));
    await store.ready();
    const bad = { kid: 'k2', key: new Uint8Array(31).fill(7) };
    source.current = material(bad);
    const error = await store.refreshKeys().catch((caught: unknown) => caught as Error);
    expect(error).toMatchObject({ code: 'configuration', message: expect.stringContaining('31 bytes') });
    for (const form of renderings(bad.key, k1.key)) expect((error as Error).message).not.toContain(form);
    expect(store.keyStatus().primaryKid).toBe('k1');
  });

  it('close() stops refreshing and closes the key source and the inner store', async () => {
    const source = new CountingKeySource(material(newKey('k1')));
    const inner = new MemoryStore();
    const store = withEnvelopeEncryption(inner, { keySource: source, refreshIntervalMs: 10 });
    await store.ready();
    await store.close();
    const loads = source.loads;
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(source.loads).toBe(loads);
    expect(source.closed).toBe(1);
    await expect(inner.get('c', 'k')).rejects.toMatchObject({ code: 'closed' });
    await expect(store.get('c', 'k')).rejects.toMatchObject({ code: 'closed' });
  });
});
