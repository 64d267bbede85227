// The fleet lock's edges, in one process: a lock left by a crashed instance delays a resolution by at most waitMs
// (then this instance fetches itself), and concurrent resolutions in one process share one fetch.
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { MemoryStore } from '@oauth-store/core';
import { CimdClientResolver, type CimdEvent } from '../src/index';
import { type DocumentServer, documentFor, startDocumentServer } from './support/document-server';

let server: DocumentServer;
beforeAll(async () => {
  server = await startDocumentServer();
});
afterAll(async () => {
  await server?.close();
});

const lockKeyOf = (url: string) => `lock:${createHash('sha256').update(url).digest('base64url')}`;

describe('fleet lock edges', () => {
  it('a lock held by a crashed instance: waits at most waitMs, then fetches itself', async () => {
    const store = new MemoryStore();
    const events: CimdEvent[] = [];
    const url = server.serve('/orphaned-lock.json', { body: (u) => documentFor(u) });
    // The crashed holder's lock, still alive for a minute.
    await store.set('oauth-cimd', lockKeyOf(url), new Uint8Array([1]), { onlyIfAbsent: true, ttlMs: 60_000 });
    const resolver = new CimdClientResolver({
      store,
      allowPrivateAddresses: true,
      allowHttp: true,
      waitMs: 300,
      onEvent: (event) => events.push(event),
    });
    const started = Date.now();
    expect((await resolver.getClient(url))?.client_id).toBe(url);
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
    expect(events.find((event) => event.type === 'waited')).toMatchObject({ timedOut: true });
    expect(server.hits.get('/orphaned-lock.json')).toBe(1);
  });

  it('concurrent resolutions in one process share one fetch', async () => {
    const store = new MemoryStore();
    const url = server.serve('/coalesced.json', { body: (u) => documentFor(u), delayMs: 200 });
    const resolver = new CimdClientResolver({ store, allowPrivateAddresses: true, allowHttp: true });
    const clients = await Promise.all(Array.from({ length: 20 }, () => resolver.getClient(url)));
    expect(new Set(clients.map((client) => client?.client_id))).toEqual(new Set([url]));
    expect(server.hits.get('/coalesced.json')).toBe(1);
  });

  it('the lock is released after the fetch (the next stale read can fetch at once)', async () => {
    const store = new MemoryStore();
    const url = server.serve('/released.json', {
      body: (u) => documentFor(u),
      headers: { 'cache-control': 'no-store' },
    });
    const resolver = new CimdClientResolver({ store, allowPrivateAddresses: true, allowHttp: true });
    await resolver.getClient(url);
    expect(await store.get('oauth-cimd', lockKeyOf(url))).toBeUndefined();
  });
});
