// Connection strings (the CLI's grammar, docs/cli.md), ready() against live, dead and misconfigured servers, and the
// adapter descriptor, on the real servers global-setup started.
import { afterAll, describe, expect, it } from '@jest/globals';
import { startLossyProxy } from '@oauth-store/contract-tests';
import { isOAuthStoreError } from '@oauth-store/core';
import { freePort } from '../../test-servers/src/redis';
import { createRedisStore, descriptor, parseRedisUrl, type RedisStore } from '../src/index';
import { KeyLayout } from '../src/key-layout';
import { bytes, clusterUrls, freshPrefix, hostPort, rawClient, standaloneUrl } from './support';

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

const opened: RedisStore[] = [];
afterAll(async () => {
  for (const store of opened.splice(0)) await store.close().catch(() => {});
});
async function track(store: Promise<RedisStore>): Promise<RedisStore> {
  const created = await store;
  opened.push(created);
  return created;
}

describe('connection strings', () => {
  it('parses the CLI grammar: prefix and timeout are the store’s, credentials and db stay in the URL', () => {
    expect(parseRedisUrl('redis://u:p@10.0.0.1:6380/2?prefix=app:&timeout=2500')).toEqual({
      target: { url: 'redis://u:p@10.0.0.1:6380/2' },
      keyPrefix: 'app:',
      commandTimeoutMs: 2500,
    });
    expect(parseRedisUrl('rediss://h:1')).toEqual({ target: { url: 'rediss://h:1' } });
    expect(parseRedisUrl('rediss+cluster://u:p@a:1,b:2/?prefix=x:')).toEqual({
      target: { clusterUrls: ['rediss://u:p@a:1', 'rediss://u:p@b:2'] },
      keyPrefix: 'x:',
    });
  });

  it('rejects malformed strings with a configuration error that never echoes the string', () => {
    for (const text of [
      'postgres://secret-pw@h/db',
      'redis://:secret-pw@h:1?perfix=a',
      'redis://:secret-pw@h:1?timeout=0',
      'redis://:secret-pw@h:1?timeout=1.5',
      'redis+cluster://:secret-pw@',
      'redis+cluster://:secret-pw@a,b:1',
      '',
    ]) {
      let error: unknown;
      try {
        parseRedisUrl(text);
      } catch (caught) {
        error = caught;
      }
      expect(isOAuthStoreError(error, 'configuration')).toBe(true);
      expect((error as Error).message).not.toContain('secret-pw');
    }
  });

  it('createRedisStore({ url }) writes under ?prefix= and is bounded by ?timeout=', async () => {
    const prefix = freshPrefix('url-prefix');
    const store = await track(createRedisStore({ url: `${standaloneUrl()}?prefix=${encodeURIComponent(prefix)}` }));
    await store.set('c', 'k', bytes('v'));
    const raw = rawClient(false);
    try {
      expect(await raw.exists(new KeyLayout(prefix, 16).entryKeys('c', 'k').entry)).toBe(1);
    } finally {
      raw.disconnect();
    }

    // A silent server: the operation rejects at the URL's bound, not at the 2000 ms default.
    const { port } = hostPort(standaloneUrl());
    const proxy = await startLossyProxy({ host: '127.0.0.1', port });
    try {
      const bounded = await track(createRedisStore({ url: `redis://127.0.0.1:${proxy.port}?timeout=300` }));
      await bounded.ready();
      proxy.setMode('blackhole');
      const started = performance.now();
      const error = await rejection(bounded.get('c', 'k'));
      const elapsed = performance.now() - started;
      expect(isOAuthStoreError(error, 'unavailable')).toBe(true);
      expect(elapsed).toBeGreaterThanOrEqual(295);
      expect(elapsed).toBeLessThan(1_500);
    } finally {
      await proxy.close();
    }
  });

  it('createRedisStore({ url }) opens a Cluster from redis+cluster://', async () => {
    const hosts = clusterUrls().map((url) => new URL(url).host);
    const prefix = freshPrefix('cluster-url');
    const store = await track(createRedisStore({ url: `redis+cluster://${hosts.join(',')}?prefix=${prefix}` }));
    await store.ready();
    for (let i = 0; i < 20; i++) await store.set('c', `k${i}`, bytes(String(i)));
    expect(await store.get('c', 'k7')).toEqual(bytes('7'));
  });

  it('refuses a parameter and an option that disagree', async () => {
    const error = await rejection(createRedisStore({ url: `${standaloneUrl()}?timeout=100`, commandTimeoutMs: 200 }));
    expect(isOAuthStoreError(error, 'configuration')).toBe(true);
    expect((error as Error).message).toContain('?timeout=');
  });
});

describe('ready()', () => {
  it('resolves once a live server answers', async () => {
    const store = await track(createRedisStore({ url: standaloneUrl() }));
    await store.ready();
    await store.ready();
  });

  it('nothing listening: rejects `unavailable` naming the refused connection, at once rather than at the bound', async () => {
    const port = await freePort();
    for (const url of [`redis://127.0.0.1:${port}`, `redis+cluster://127.0.0.1:${port}`]) {
      const store = await track(createRedisStore({ url, commandTimeoutMs: 10_000 }));
      const started = performance.now();
      const error = await rejection(store.ready());
      expect(performance.now() - started).toBeLessThan(3_000);
      expect(isOAuthStoreError(error, 'unavailable')).toBe(true);
      expect((error as Error).message).toMatch(/refused|none of the Redis Cluster nodes/);
    }
  });

  it('wrong credentials: rejects `configuration` naming the refusal, without the password', async () => {
    const { port } = hostPort(standaloneUrl());
    const store = await track(
      createRedisStore({ url: `redis://nobody:not-the-password@127.0.0.1:${port}`, commandTimeoutMs: 10_000 }),
    );
    const started = performance.now();
    const error = await rejection(store.ready());
    expect(performance.now() - started).toBeLessThan(3_000);
    expect(isOAuthStoreError(error, 'configuration')).toBe(true);
    expect((error as Error).message).toMatch(/WRONGPASS|refused/);
    expect(`${(error as Error).message} ${String((error as Error).cause)}`).not.toContain('not-the-password');
  });

  it('a silent server: rejects `unavailable` at the bound', async () => {
    const { port } = hostPort(standaloneUrl());
    const proxy = await startLossyProxy({ host: '127.0.0.1', port, mode: 'blackhole' });
    try {
      const store = await track(createRedisStore({ url: `redis://127.0.0.1:${proxy.port}`, commandTimeoutMs: 300 }));
      const error = await rejection(store.ready());
      expect(isOAuthStoreError(error, 'unavailable')).toBe(true);
      expect((error as Error).message).toContain('did not answer within 300 ms');
    } finally {
      await proxy.close();
    }
  });
});

describe('descriptor', () => {
  it('declares the schemes of the connection-string grammar', () => {
    expect(descriptor.name).toBe('redis');
    expect([...descriptor.schemes].sort()).toEqual(['redis', 'redis+cluster', 'rediss', 'rediss+cluster']);
  });

  it('open() resolves a working store once Redis answered, and rejects (closing it) when it does not', async () => {
    const prefix = freshPrefix('descriptor');
    const store = await descriptor.open(`${standaloneUrl()}?prefix=${prefix}`, { timeoutMs: 5_000 });
    try {
      expect(await store.set('c', 'k', bytes('v'))).toBe(true);
      expect(await store.take('c', 'k')).toEqual(bytes('v'));
    } finally {
      await store.close();
    }
    const error = await rejection(descriptor.open(`redis://127.0.0.1:${await freePort()}`));
    expect(isOAuthStoreError(error, 'unavailable')).toBe(true);
  });
});
