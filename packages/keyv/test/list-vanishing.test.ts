// A race the contract stress runs found (Keyv 5 on Redis, "list failed (TypeError)"): @keyv/redis lists by SCAN and then
// MGETs the batch, yielding [key, undefined] for a key that expired or was deleted in between, and Keyv 5's iterator
// reads `expires` of the undefined that deserializing it gives. Keyv 5.0.0, the lowest of the peer range, fails on
// the same race with a SyntaxError instead (it hands undefined to JSON.parse); the contract suite found that one on
// Node 24. Here the deletion is put exactly between the two calls (the real adapter, the real server, a real
// deletion), so the race happens on every run instead of once in a while.
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { afterAll, describe, expect, it } from '@jest/globals';
import KeyvRedis from '@keyv/redis';
import Keyv from 'keyv';
import Keyv5 from 'keyv5';
import { keyvByteStore } from '../src/index';
import { toKeyvKey } from '../src/keyv-key';
import { keyvRedisUrl } from './support/redis-url';

// keyv 5.0.0's ESM build assigns module.exports, which jest's ESM loader rejects ("module is not defined"): load its
// CommonJS build.
// contract.test.ts checks the alias really is 5.0.0.
const Keyv5Lowest = createRequire(import.meta.url)('keyv5-lowest') as typeof Keyv5;

const opened: Array<{ disconnect(): Promise<void> }> = [];
afterAll(async () => {
  await Promise.allSettled(opened.map((keyv) => keyv.disconnect()));
});

/** Deletes `victim` through Keyv right before the adapter's first MGET, once. */
function deleteBeforeFirstMget(adapter: KeyvRedis<unknown>, deleteVictim: () => Promise<unknown>): () => boolean {
  let struck = false;
  // mget is private in @keyv/redis's types; its iterator calls it on the instance, which is what is wrapped here.
  const target = adapter as unknown as { mget(keys: string[]): Promise<unknown[]> };
  const mget = target.mget.bind(adapter);
  target.mget = async (keys) => {
    if (!struck) {
      struck = true;
      await deleteVictim();
    }
    return mget(keys);
  };
  return () => struck;
}

describe('list while an entry vanishes between the adapter listing a key and reading its value', () => {
  for (const [name, make] of [
    ['Keyv 5', (adapter: KeyvRedis<unknown>, namespace: string) => new Keyv5({ store: adapter as never, namespace })],
    [
      'Keyv 5.0.0',
      (adapter: KeyvRedis<unknown>, namespace: string) => new Keyv5Lowest({ store: adapter as never, namespace }),
    ],
    ['Keyv 6', (adapter: KeyvRedis<unknown>, namespace: string) => new Keyv({ store: adapter, namespace })],
  ] as const) {
    it(`${name} on @keyv/redis: the page holds the live keys and no error`, async () => {
      const adapter = new KeyvRedis(keyvRedisUrl());
      const keyv = make(adapter, `vanish-${randomBytes(4).toString('hex')}`);
      opened.push(keyv as { disconnect(): Promise<void> });
      const store = keyvByteStore(keyv as never);
      const value = new Uint8Array([1, 2, 3]);
      for (const key of ['a', 'b', 'gone']) await store.set('c', key, value, { ttlMs: 60_000 });
      const struck = deleteBeforeFirstMget(adapter, () => keyv.delete(toKeyvKey('c', 'gone')));
      const page = await store.list('c');
      expect(struck()).toBe(true);
      expect(page.keys).toEqual(['a', 'b']);
    });
  }
});
