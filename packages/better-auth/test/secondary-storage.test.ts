// The SecondaryStorage methods on Redis and PostgreSQL, each "instance" on its own connection.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type ByteStore, MemoryStore } from '@oauth-store/core';
import { encodeEntry } from '../src/entry';
import { createSecondaryStorage, type OAuthStoreSecondaryStorage } from '../src/index';
import { BACKENDS, openStore } from './support/stores';

/** Polls `check` until it is true or `ms` have passed. */
async function eventually(check: () => Promise<boolean>, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await check()) return true;
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe.each(BACKENDS)('secondary storage on %s', (backend) => {
  const stores: ByteStore[] = [];
  let collection: string;
  let storages: OAuthStoreSecondaryStorage[];
  let one: OAuthStoreSecondaryStorage;
  let other: OAuthStoreSecondaryStorage;

  beforeAll(async () => {
    collection = `ba-${backend}-${randomBytes(4).toString('hex')}`;
    for (let i = 0; i < 4; i += 1) stores.push(await openStore(backend));
    storages = stores.map((store) => createSecondaryStorage(store, { collection }));
    [one, other] = storages as [OAuthStoreSecondaryStorage, OAuthStoreSecondaryStorage];
  });
  afterAll(async () => {
    await Promise.allSettled(stores.map((store) => store.close()));
  });

  it('set, get and delete strings; a missing key is null', async () => {
    const session = JSON.stringify({ session: { id: 's1', userId: 'u1' }, user: { id: 'u1', email: 'a@example.com' } });
    await one.set('session-token', session, 60);
    expect(await other.get('session-token')).toBe(session);
    await one.set('empty', '');
    expect(await other.get('empty')).toBe('');
    await other.delete('session-token');
    expect(await one.get('session-token')).toBeNull();
    expect(await one.get('never-written')).toBeNull();
    await expect(one.delete('never-written')).resolves.toBeUndefined();
  });

  it('expires a value after ttl seconds; ttl 0 or absent keeps it', async () => {
    await one.set('short', 'v', 1);
    await one.set('forever', 'v', 0);
    expect(await other.get('short')).toBe('v');
    expect(await eventually(async () => (await other.get('short')) === null, 3_000)).toBe(true);
    expect(await other.get('forever')).toBe('v');
  });

  it('getAndDelete returns the value once', async () => {
    await one.set('verification:abc', '{"value":"x"}', 60);
    expect(await other.getAndDelete('verification:abc')).toBe('{"value":"x"}');
    expect(await one.getAndDelete('verification:abc')).toBeNull();
    expect(await one.get('verification:abc')).toBeNull();
  });

  it('of 20 concurrent getAndDelete calls over 4 connections, exactly one gets the value (25 rounds)', async () => {
    for (let round = 0; round < 25; round += 1) {
      const key = `verification:race-${round}`;
      await one.set(key, `value-${round}`, 60);
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) => storages[i % storages.length]?.getAndDelete(key)),
      );
      expect(results.filter((result) => result !== null)).toEqual([`value-${round}`]);
    }
  });

  it('increment counts 1, 2, 3 ... and get reads the count', async () => {
    expect(await one.increment('counter', 60)).toBe(1);
    expect(await other.increment('counter', 60)).toBe(2);
    expect(await one.increment('counter', 60)).toBe(3);
    expect(await other.get('counter')).toBe('3');
  });

  it('concurrent increments over 4 connections hand out every count exactly once', async () => {
    const results = await Promise.all(
      Array.from({ length: 80 }, (_, i) => storages[i % storages.length]?.increment('busy', 60)),
    );
    expect(results.sort((x, y) => (x ?? 0) - (y ?? 0))).toEqual(Array.from({ length: 80 }, (_, i) => i + 1));
    expect(await one.get('busy')).toBe('80');
  });

  it('applies the TTL on creation only: later increments do not extend it', async () => {
    const created = Date.now();
    expect(await one.increment('window', 2)).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    // Still in the window: the count goes on. Had this increment pushed the expiry back, the counter would live
    // until about 3 s after the first one.
    expect(await other.increment('window', 2)).toBe(2);
    expect(await eventually(async () => (await other.get('window')) === null, 4_000)).toBe(true);
    const lived = Date.now() - created;
    expect(lived).toBeGreaterThanOrEqual(1_990);
    expect(lived).toBeLessThan(2_700);
    expect(await one.increment('window', 2)).toBe(1);
  });

  it('getAndDelete and delete of a counter reset it', async () => {
    await one.increment('resettable', 60);
    await one.increment('resettable', 60);
    expect(await other.getAndDelete('resettable')).toBe('2');
    expect(await one.increment('resettable', 60)).toBe(1);
    await other.delete('resettable');
    expect(await one.get('resettable')).toBeNull();
    expect(await one.increment('resettable', 60)).toBe(1);
  });

  it('recovers from a process that died mid-increment', async () => {
    const store = stores[0] as ByteStore;
    // Died after creating the counter, before claiming a slot: the next increment is the first.
    await store.set(collection, 'died-early', encodeEntry({ kind: 'counter', window: 'w-early', slotTtlMs: 60_000 }), {
      ttlMs: 60_000,
    });
    expect(await one.get('died-early')).toBe('0');
    expect(await other.increment('died-early', 60)).toBe(1);
    // Died after claiming slot 1, before recording it as the head: that increment still counts.
    await store.set(collection, 'died-late', encodeEntry({ kind: 'counter', window: 'w-late', slotTtlMs: 60_000 }), {
      ttlMs: 60_000,
    });
    await store.set(`${collection}:counter-slots`, 'w-late:1', new Uint8Array(0), { ttlMs: 60_000 });
    expect(await one.get('died-late')).toBe('1');
    expect(await other.increment('died-late', 60)).toBe(2);
  });

  it('rejects increment on a key written by set(), and bad TTLs, with typed errors', async () => {
    await one.set('plain', 'text', 60);
    await expect(one.increment('plain', 60)).rejects.toMatchObject({ code: 'invalid_value' });
    expect(await one.get('plain')).toBe('text');
    await expect(one.set('k', 'v', -1)).rejects.toMatchObject({ code: 'invalid_value' });
    await expect(one.set('k', 'v', Number.NaN)).rejects.toMatchObject({ code: 'invalid_value' });
    await expect(one.increment('k2', Number.POSITIVE_INFINITY)).rejects.toMatchObject({ code: 'invalid_value' });
    await expect(one.set('k', 42 as unknown as string)).rejects.toMatchObject({ code: 'invalid_value' });
    expect(await one.get('k')).toBeNull();
  });
});

describe('createSecondaryStorage configuration', () => {
  it('refuses a store without atomic take unless told to accept it', () => {
    const memory = new MemoryStore();
    const nonAtomic = Object.assign(Object.create(memory) as ByteStore, {
      capabilities: { ...memory.capabilities, name: 'keyv', atomicTake: false },
    });
    expect(() => createSecondaryStorage(nonAtomic)).toThrow(expect.objectContaining({ code: 'configuration' }));
    expect(() => createSecondaryStorage(nonAtomic, { allowNonAtomicTake: true })).not.toThrow();
  });

  it('rejects what is not a store and bad options', () => {
    expect(() => createSecondaryStorage({} as ByteStore)).toThrow(expect.objectContaining({ code: 'configuration' }));
    expect(() => createSecondaryStorage(new MemoryStore(), { collection: '' })).toThrow(
      expect.objectContaining({ code: 'configuration' }),
    );
    expect(() => createSecondaryStorage(new MemoryStore(), { maxIncrementAttempts: 0 })).toThrow(
      expect.objectContaining({ code: 'configuration' }),
    );
  });

  it('gives up with a conflict error after maxIncrementAttempts lost claims', async () => {
    const store = new MemoryStore();
    const storage = createSecondaryStorage(store, { maxIncrementAttempts: 3 });
    await storage.increment('k', 60);
    // Three further slots taken, head hint stale at 1: a caller starting there loses 3 claims in a row.
    const anchor = await store.get('better-auth', 'k');
    const window = JSON.parse(new TextDecoder().decode(anchor?.subarray(1))).w as string;
    for (const n of [2, 3, 4]) await store.set('better-auth:counter-slots', `${window}:${n}`, new Uint8Array(0));
    await expect(storage.increment('k', 60)).rejects.toMatchObject({ code: 'conflict' });
  });
});
