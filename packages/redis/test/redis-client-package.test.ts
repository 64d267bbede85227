// `@redis/client` is a peer in its own right (`^5.12.1 || ^6.4.0`): the README's lighter install passes a client from
// it instead of `redis`. Every other test builds node-redis clients from `redis` 5 and 6 (which wrap the same
// @redis/client code with Redis Stack modules); this file passes clients from the bare package at both majors and
// runs the adapter's key paths on them (plain and conditional writes, compare-and-set, take, expiry), checking that
// the module loaded is the major it claims, so an alias pointing at the wrong version cannot pass unnoticed.
import { createRequire } from 'node:module';
import { afterAll, describe, expect, it } from '@jest/globals';
import type { ByteStore } from '@oauth-store/core';
import { createClient as createClient5 } from '@redis/client';
import { createClient as createClient6 } from '@redis/client-v6';
import { createRedisStore, type RedisClientLike } from '../src/index';
import { bytes, freshPrefix, standaloneUrl } from './support';

const require = createRequire(import.meta.url);
const versionOf = (name: string) => (require(`${name}/package.json`) as { version: string }).version;
const text = (value: Uint8Array | undefined) => (value === undefined ? undefined : new TextDecoder().decode(value));

/** A connected client of one @redis/client major, and how to close it. */
interface Connected {
  client: RedisClientLike;
  close: () => Promise<unknown>;
}

const majors: Array<{ label: string; module: string; major: string; connect: () => Promise<Connected> }> = [
  {
    label: '@redis/client 5',
    module: '@redis/client',
    major: '5',
    connect: async () => {
      const client = createClient5({ url: standaloneUrl() });
      client.on('error', () => {});
      await client.connect();
      return { client, close: () => client.close() };
    },
  },
  {
    label: '@redis/client 6',
    module: '@redis/client-v6',
    major: '6',
    connect: async () => {
      const client = createClient6({ url: standaloneUrl() });
      client.on('error', () => {});
      await client.connect();
      return { client, close: () => client.close() };
    },
  },
];

describe.each(majors)('$label passed as `client`', ({ module, major, connect }) => {
  const closers: Array<() => Promise<unknown>> = [];
  afterAll(async () => {
    for (const close of closers) await close();
  });

  async function open(): Promise<ByteStore> {
    const { client, close } = await connect();
    closers.push(close);
    const store = await createRedisStore({ client, keyPrefix: freshPrefix(`redis-client-${major}`) });
    closers.unshift(() => store.close());
    return store;
  }

  it(`loads major ${major}`, () => {
    expect(versionOf(module).split('.')[0]).toBe(major);
  });

  it('set, get, onlyIfAbsent, compare-and-set, take and expiry', async () => {
    const store = await open();
    expect(await store.set('c', 'k', bytes('v1'))).toBe(true);
    expect(await store.set('c', 'k', bytes('other'), { onlyIfAbsent: true })).toBe(false);
    expect(text(await store.get('c', 'k'))).toBe('v1');

    const entry = await store.getEntry('c', 'k');
    expect(entry).toBeDefined();
    expect(await store.set('c', 'k', bytes('v2'), { ifVersion: entry!.version })).toBe(true);
    expect(await store.set('c', 'k', bytes('v3'), { ifVersion: entry!.version })).toBe(false);
    expect(text(await store.get('c', 'k'))).toBe('v2');

    expect(text(await store.take('c', 'k'))).toBe('v2');
    expect(await store.take('c', 'k')).toBeUndefined();

    // Expired: never returned, never taken (the wait is for the clock to pass the expiry, the condition itself).
    const expiresAt = Date.now() + 30;
    await store.set('c', 'gone', bytes('x'), { expiresAt });
    while (Date.now() <= expiresAt) await new Promise((resolve) => setTimeout(resolve, expiresAt + 1 - Date.now()));
    expect(await store.get('c', 'gone')).toBeUndefined();
    expect(await store.take('c', 'gone')).toBeUndefined();
  });
});
