// KeyvOAuthStore's own behaviour beyond the Keyv suite: where entries land, Keyv 6's absolute expiries, the guard
// against a Keyv 5 relative ttl in mode 6, unserialized values, and disconnect.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type ByteStore, MemoryStore } from '@oauth-store/core';
import Keyv from 'keyv';
import Keyv5 from 'keyv5';
import { KeyvOAuthStore } from '../src/index';
import { openStore, uniquePrefix } from './support/stores';

describe('KeyvOAuthStore on Redis', () => {
  let store: ByteStore;
  beforeAll(async () => {
    store = await openStore('redis');
  });
  afterAll(async () => {
    await store?.close();
  });

  it('keeps a namespace as a key prefix in its collection, and Keyv 6 expiries as store TTLs', async () => {
    const collection = uniquePrefix('layout');
    const keyv = new Keyv({ store: new KeyvOAuthStore(store, { collection }), namespace: 'users' });
    // The layout is checked on entries that cannot expire meanwhile (a 400 ms entry did, once, on a loaded machine
    // before the list ran), and the expiry on its own entry afterwards.
    await keyv.set('alice', { plan: 'pro' }, 60_000);
    await keyv.set('bob', 'forever');
    expect(await keyv.get('alice')).toEqual({ plan: 'pro' });
    const page = await store.list(collection);
    expect(page.keys.sort()).toEqual(['users:alice', 'users:bob']);
    // The store expires the entry itself (not only Keyv's envelope check): gone after its ttl, never before.
    const before = Date.now();
    await keyv.set('carol', 'brief', 400);
    for (;;) {
      const raw = await store.get(collection, 'users:carol');
      if (!raw) break;
      if (Date.now() - before > 10_000) throw new Error('the entry outlived its expiry by far');
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    expect(Date.now() - before).toBeGreaterThanOrEqual(400);
    expect(await store.get(collection, 'users:bob')).toBeDefined();
  });

  it('stores under the key Keyv 5 prefixed itself in mode 5', async () => {
    const collection = uniquePrefix('layout5');
    const keyv = new Keyv5({ store: new KeyvOAuthStore(store, { collection, keyvVersion: 5 }), namespace: 'users' });
    await keyv.set('carol', 'x', 60_000);
    expect((await store.list(collection)).keys).toEqual(['users:carol']);
    expect(await keyv.get('carol')).toBe('x');
  });

  it('keeps values Keyv does not serialize (serialization: false) as JSON, with Dates', async () => {
    const keyv = new Keyv({
      store: new KeyvOAuthStore(store, { collection: uniquePrefix('raw') }),
      serialization: false,
    });
    const when = new Date('2030-01-02T03:04:05.000Z');
    await keyv.set('k', { when, list: [1, 'two', null] });
    expect(await keyv.get('k')).toEqual({ when, list: [1, 'two', null] });
  });
});

describe('KeyvOAuthStore edges', () => {
  it('in mode 6, refuses a relative ttl (what Keyv 5 would pass) instead of storing an expired entry', async () => {
    const adapter = new KeyvOAuthStore(new MemoryStore());
    await expect(adapter.set('k', 'v', 60_000)).rejects.toMatchObject({ code: 'configuration' });
    // Through Keyv 5 the failure surfaces as Keyv 5 reports adapter failures: set resolves false, error emitted.
    const errors: unknown[] = [];
    const keyv5 = new Keyv5({ store: adapter as never });
    keyv5.on('error', (error: unknown) => errors.push(error));
    expect(await keyv5.set('k', 'v', 60_000)).toBe(false);
    expect(errors).toHaveLength(1);
  });

  it('deletes an entry whose absolute expiry is already past', async () => {
    const memory = new MemoryStore();
    const adapter = new KeyvOAuthStore(memory);
    await adapter.set('k', 'v', Date.now() + 60_000);
    expect(await adapter.get('k')).toBe('v');
    await adapter.set('k', 'v', Date.now() - 1);
    expect(await adapter.get('k')).toBeUndefined();
  });

  it('leaves the store open on disconnect unless told to close it', async () => {
    const shared = new MemoryStore();
    await new Keyv({ store: new KeyvOAuthStore(shared) }).disconnect();
    await expect(shared.get('c', 'k')).resolves.toBeUndefined();
    await new Keyv({ store: new KeyvOAuthStore(shared, { closeStoreOnDisconnect: true }) }).disconnect();
    await expect(shared.get('c', 'k')).rejects.toMatchObject({ code: 'closed' });
  });

  it('rejects bad configuration with typed errors', () => {
    const memory = new MemoryStore();
    expect(() => new KeyvOAuthStore({} as ByteStore)).toThrow(expect.objectContaining({ code: 'configuration' }));
    expect(() => new KeyvOAuthStore(memory, { collection: '' })).toThrow(
      expect.objectContaining({ code: 'configuration' }),
    );
    expect(() => new KeyvOAuthStore(memory, { collection: 'c'.repeat(300) })).toThrow(
      expect.objectContaining({ code: 'configuration' }),
    );
    expect(() => new KeyvOAuthStore(memory, { keyvVersion: 4 as never })).toThrow(
      expect.objectContaining({ code: 'configuration' }),
    );
  });
});
