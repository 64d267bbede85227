// The resolver against a real HTTP server on loopback, one header combination per test. The store and the resolver
// share a settable clock, so freshness, negative caching and stale-if-error are checked by moving time, not waiting.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ClientStore, MemoryStore } from '@oauth-store/core';
import { CimdClientResolver, type CimdEvent, CimdResolutionError, type CimdResolverOptions } from '../src/index';
import { manualClock } from './support/clock';
import { type DocumentServer, documentFor, startDocumentServer } from './support/document-server';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

let server: DocumentServer;
let counter = 0;
/** A fresh path per test, so no test sees another's cache or hit count. */
const path = (name: string) => `/clients/${name}-${++counter}.json`;

beforeAll(async () => {
  server = await startDocumentServer();
});
afterAll(async () => {
  await server?.close();
});

function setup(options: Partial<CimdResolverOptions> = {}) {
  const clock = manualClock();
  const store = new MemoryStore({ now: clock.now });
  const events: CimdEvent[] = [];
  const resolver = new CimdClientResolver({
    store,
    // The documents are on loopback: the local-development opt-ins, explicitly.
    allowPrivateAddresses: true,
    allowHttp: true,
    now: clock.now,
    onEvent: (event) => events.push(event),
    ...options,
  });
  const fetches = () => events.filter((event) => event.type === 'fetch').length;
  return { clock, store, resolver, events, fetches };
}

async function refusal(promise: Promise<unknown>): Promise<CimdResolutionError> {
  const error = await promise.then(
    () => {
      throw new Error('expected a CimdResolutionError, got a client');
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(CimdResolutionError);
  return error as CimdResolutionError;
}

describe('valid documents and HTTP caching', () => {
  it('fetches, validates and returns the client; defaults token_endpoint_auth_method to none', async () => {
    const { resolver } = setup();
    const url = server.serve(path('plain'), { body: (u) => documentFor(u, { token_endpoint_auth_method: undefined }) });
    const client = await resolver.getClient(url);
    expect(client).toMatchObject({
      client_id: url,
      redirect_uris: ['http://127.0.0.1:33418/callback'],
      token_endpoint_auth_method: 'none',
    });
    expect(client?.client_secret).toBeUndefined();
  });

  it('Cache-Control max-age: served from the cache until it lapses, then fetched again', async () => {
    const { resolver, clock, events } = setup();
    const p = path('max-age');
    const url = server.serve(p, { body: (u) => documentFor(u), headers: { 'cache-control': 'public, max-age=600' } });
    await resolver.getClient(url);
    clock.advance(599_000);
    await resolver.getClient(url);
    expect(server.hits.get(p)).toBe(1);
    expect(events.map((e) => e.type)).toEqual(['fetch', 'hit']);
    clock.advance(2000);
    await resolver.getClient(url);
    expect(server.hits.get(p)).toBe(2);
  });

  it('max-age is clamped to minTtlMs (default 5 min) and maxTtlMs (default 24 h)', async () => {
    const { resolver, clock } = setup();
    const short = path('short');
    const shortUrl = server.serve(short, { body: (u) => documentFor(u), headers: { 'cache-control': 'max-age=1' } });
    const long = path('long');
    const longUrl = server.serve(long, {
      body: (u) => documentFor(u),
      headers: { 'cache-control': 'max-age=31536000' },
    });
    await resolver.getClient(shortUrl);
    await resolver.getClient(longUrl);
    clock.advance(5 * MINUTE - 1000);
    await resolver.getClient(shortUrl);
    expect(server.hits.get(short)).toBe(1);
    clock.advance(2000);
    await resolver.getClient(shortUrl);
    expect(server.hits.get(short)).toBe(2);
    clock.advance(24 * HOUR - 5 * MINUTE - 2000);
    await resolver.getClient(longUrl);
    expect(server.hits.get(long)).toBe(1);
    clock.advance(2000);
    await resolver.getClient(longUrl);
    expect(server.hits.get(long)).toBe(2);
  });

  it('Cache-Control no-store: never cached, every resolution fetches', async () => {
    const { resolver, store } = setup();
    const p = path('no-store');
    const url = server.serve(p, { body: (u) => documentFor(u), headers: { 'cache-control': 'no-store, max-age=600' } });
    await resolver.getClient(url);
    await resolver.getClient(url);
    expect(server.hits.get(p)).toBe(2);
    expect((await store.list('oauth-cimd')).keys.filter((key) => key.startsWith('doc:'))).toEqual([]);
  });

  it('Expires (relative to Date) sets the freshness when there is no max-age', async () => {
    const { resolver, clock } = setup();
    const p = path('expires');
    const url = server.serve(p, {
      body: (u) => documentFor(u),
      headers: { expires: new Date(Date.now() + 2 * HOUR).toUTCString() },
    });
    await resolver.getClient(url);
    clock.advance(2 * HOUR - 10_000);
    await resolver.getClient(url);
    expect(server.hits.get(p)).toBe(1);
    clock.advance(20_000);
    await resolver.getClient(url);
    expect(server.hits.get(p)).toBe(2);
  });

  it('max-age wins over Expires; an Expires in the past counts as stale (then clamped to the minimum)', async () => {
    const { resolver, clock } = setup();
    const p = path('both');
    const url = server.serve(p, {
      body: (u) => documentFor(u),
      headers: { 'cache-control': 'max-age=900', expires: 'Thu, 01 Jan 1970 00:00:00 GMT' },
    });
    await resolver.getClient(url);
    clock.advance(899_000);
    await resolver.getClient(url);
    expect(server.hits.get(p)).toBe(1);
  });

  it('ETag: a stale copy is revalidated with If-None-Match; 304 keeps the copy with a new freshness', async () => {
    const { resolver, clock, events } = setup();
    const p = path('etag');
    const url = server.serve(p, {
      body: (u) => documentFor(u),
      etag: '"v1"',
      headers: { 'cache-control': 'max-age=300' },
    });
    const first = await resolver.getClient(url);
    clock.advance(301_000);
    const second = await resolver.getClient(url);
    expect(second).toEqual(first);
    expect(server.conditional.get(p)).toEqual(['"v1"']);
    expect(events.filter((e) => e.type === 'revalidated')).toHaveLength(1);
    expect(events.find((e) => e.type === 'fetch' && e.outcome === 'not-modified')).toBeDefined();
    clock.advance(299_000);
    await resolver.getClient(url);
    expect(server.hits.get(p)).toBe(2);
    // The document changed: the host answers 200 with the new one, which replaces the copy.
    server.serve(p, {
      body: (u) => documentFor(u, { client_name: 'Renamed' }),
      etag: '"v2"',
      headers: { 'cache-control': 'max-age=300' },
    });
    clock.advance(2000);
    expect((await resolver.getClient(url))?.client_name).toBe('Renamed');
    expect(server.conditional.get(p)).toEqual(['"v1"', '"v1"']);
  });
});

describe('refused documents', () => {
  const cases: Array<[string, Parameters<DocumentServer['serve']>[1], CimdResolutionError['reason']]> = [
    ['wrong client_id', { body: (u) => documentFor(`${u}x`) }, 'client_id_mismatch'],
    [
      'client_id differing only in case',
      { body: (u) => documentFor(u.replace('/clients/', '/CLIENTS/')) },
      'client_id_mismatch',
    ],
    ['missing redirect_uris', { body: (u) => documentFor(u, { redirect_uris: undefined }) }, 'missing_redirect_uris'],
    ['empty redirect_uris', { body: (u) => documentFor(u, { redirect_uris: [] }) }, 'missing_redirect_uris'],
    [
      'client_secret_post',
      { body: (u) => documentFor(u, { token_endpoint_auth_method: 'client_secret_post' }) },
      'shared_secret_auth',
    ],
    [
      'client_secret_basic',
      { body: (u) => documentFor(u, { token_endpoint_auth_method: 'client_secret_basic' }) },
      'shared_secret_auth',
    ],
    [
      'client_secret_jwt',
      { body: (u) => documentFor(u, { token_endpoint_auth_method: 'client_secret_jwt' }) },
      'shared_secret_auth',
    ],
    ['a client_secret', { body: (u) => documentFor(u, { client_secret: 'x' }) }, 'shared_secret_auth'],
    [
      'a javascript: redirect URI',
      { body: (u) => documentFor(u, { redirect_uris: ['javascript:alert(1)'] }) },
      'invalid_metadata',
    ],
    ['text/html', { body: (u) => documentFor(u), headers: { 'content-type': 'text/html' } }, 'content_type'],
    ['not JSON', { body: '{"client_id": ' }, 'invalid_json'],
    ['a JSON array', { body: '[]' }, 'invalid_json'],
    ['oversized (Content-Length)', { body: (u) => documentFor(u, { client_name: 'x'.repeat(6000) }) }, 'too_large'],
    [
      'oversized (chunked, no Content-Length)',
      { body: (u) => documentFor(u, { client_name: 'x'.repeat(6000) }), headers: { 'transfer-encoding': 'chunked' } },
      'too_large',
    ],
    ['HTTP 404', { status: 404, body: '{}' }, 'http_status'],
    ['HTTP 500', { status: 500, body: '{}' }, 'http_status'],
    ['redirecting', { status: 302, headers: { location: '/elsewhere.json' } }, 'redirect'],
  ];

  it.each(cases.map(([name, route, reason]) => [`${name} -> ${reason}`, name, route, reason] as const))(
    '%s',
    async (_title, name, route, reason) => {
      const { resolver, events } = setup();
      const url = server.serve(path(name.replace(/\W+/g, '-')), route);
      const error = await refusal(resolver.getClient(url));
      expect(error.reason).toBe(reason);
      expect(error.code).toBe(reason === 'http_status' && route.status === 500 ? 'unavailable' : 'invalid_value');
      expect(error.description.length).toBeGreaterThan(20);
      expect(error.message).not.toContain('127.0.0.1');
      expect(events.at(-1)).toMatchObject({ type: 'refused', reason, cached: false });
    },
  );

  it('a slow host: timeout after timeoutMs, negative-cached so the next login does not wait again', async () => {
    const { resolver, events, clock } = setup({ timeoutMs: 300 });
    const p = path('slow');
    const url = server.serve(p, { body: (u) => documentFor(u), delayMs: 5000 });
    const started = Date.now();
    const error = await refusal(resolver.getClient(url));
    expect(error.reason).toBe('timeout');
    expect(Date.now() - started).toBeLessThan(3000);
    const again = await refusal(resolver.getClient(url));
    expect(again.cached).toBe(true);
    expect(server.hits.get(p)).toBe(1);
    expect(events.filter((e) => e.type === 'refused').map((e) => (e as { cached: boolean }).cached)).toEqual([
      false,
      true,
    ]);
    clock.advance(30_001); // negativeTtlMs default 30 s
    await refusal(resolver.getClient(url));
    expect(server.hits.get(p)).toBe(2);
  });

  it('redirects: followed up to maxRedirects with the same checks; client_id must still equal the first URL', async () => {
    const { resolver } = setup({ maxRedirects: 1 });
    const target = server.serve(path('target'), { body: '' });
    const from = path('from');
    const url = server.serve(from, { status: 301, headers: { location: target } });
    server.serve(new URL(target).pathname, { body: () => documentFor(url) });
    expect((await resolver.getClient(url))?.client_id).toBe(url);
    const twice = server.serve(path('twice'), { status: 302, headers: { location: url } });
    expect((await refusal(resolver.getClient(twice))).reason).toBe('redirect');
  });

  it('refuses client_ids that cannot name a document, without any request', async () => {
    const { resolver } = setup({ allowHttp: false });
    for (const id of [
      `${server.origin}/clients/plain.json`, // http without the opt-in
      'https://user:pw@example.com/client.json',
      'https://example.com',
      'https://example.com/',
      'https://example.com/a/../client.json',
      'https://example.com/a/%2E%2E/client.json',
      'https://example.com/client.json#frag',
    ]) {
      // http:// without allowHttp is not a document URL at all: it is looked up as a registered id.
      if (id.startsWith('http://')) expect(await resolver.getClient(id)).toBeUndefined();
      else expect((await refusal(resolver.getClient(id))).reason).toBe('invalid_client_id');
    }
  });
});

describe('a host that goes down', () => {
  it('serves the last good copy within staleIfErrorMs, then refuses once that bound has passed', async () => {
    const down = await startDocumentServer();
    const { resolver, clock, events } = setup({ staleIfErrorMs: 10 * MINUTE });
    const url = down.serve('/client.json', {
      body: (u) => documentFor(u),
      headers: { 'cache-control': 'max-age=300' },
    });
    await resolver.getClient(url);
    await down.close();
    clock.advance(301_000); // stale now; the host is down
    expect((await resolver.getClient(url))?.client_id).toBe(url);
    expect(events.at(-1)).toEqual({ type: 'stale', clientId: url, reason: 'unreachable' });
    clock.advance(5 * MINUTE); // still within 10 min of staleness, and the failure was negative-cached then re-fetched
    expect((await resolver.getClient(url))?.client_id).toBe(url);
    clock.advance(5 * MINUTE); // more than 10 min past freshness: expired
    const error = await refusal(resolver.getClient(url));
    expect(error.reason).toBe('unreachable');
    expect(error.code).toBe('unavailable');
  });

  it('a definitive failure (the document became invalid) is not papered over with the stale copy', async () => {
    const { resolver, clock } = setup();
    const p = path('became-invalid');
    const url = server.serve(p, { body: (u) => documentFor(u), headers: { 'cache-control': 'max-age=300' } });
    await resolver.getClient(url);
    server.serve(p, { body: (u) => documentFor(u, { redirect_uris: undefined }) });
    clock.advance(301_000);
    expect((await refusal(resolver.getClient(url))).reason).toBe('missing_redirect_uris');
  });
});

describe('SSRF protection', () => {
  it('refuses a loopback document without the opt-in, before sending any request', async () => {
    const { resolver } = setup({ allowPrivateAddresses: false });
    const p = path('private');
    const url = server.serve(p, { body: (u) => documentFor(u) });
    const byName = url.replace('127.0.0.1', 'localhost');
    for (const id of [url, byName]) {
      const error = await refusal(resolver.getClient(id));
      expect(error.reason).toBe('refused_address');
    }
    expect(server.hits.get(p)).toBeUndefined();
  });

  it('allowedAddresses opens exactly the listed addresses', async () => {
    const p = path('allowlisted');
    const url = server.serve(p, { body: (u) => documentFor(u) });
    const allowed = setup({ allowPrivateAddresses: false, allowedAddresses: ['127.0.0.1'] });
    expect((await allowed.resolver.getClient(url))?.client_id).toBe(url);
    const other = setup({ allowPrivateAddresses: false, allowedAddresses: ['10.0.0.0/8'] });
    expect((await refusal(other.resolver.getClient(url))).reason).toBe('refused_address');
  });
});

describe('registered clients', () => {
  it('answers non-URL ids from the ClientStore (DCR), and undefined for unknown ids', async () => {
    const store = new MemoryStore();
    const clients = new ClientStore(store);
    const registered = await clients.registerClient({ redirect_uris: ['http://127.0.0.1:9/cb'] });
    const resolver = new CimdClientResolver({ store, clients });
    expect(await resolver.getClient(registered.client_id)).toEqual(registered);
    expect(await resolver.getClient('no-such-client')).toBeUndefined();
  });
});

describe('options', () => {
  it('rejects nonsense with a configuration error', () => {
    const store = new MemoryStore();
    expect(() => new CimdClientResolver({ store, maxDocumentBytes: 10 })).toThrow(/maxDocumentBytes/);
    expect(() => new CimdClientResolver({ store, minTtlMs: 10_000, maxTtlMs: 5000 })).toThrow(/maxTtlMs/);
    expect(() => new CimdClientResolver({ store, maxRedirects: 9 })).toThrow(/maxRedirects/);
    expect(() => new CimdClientResolver({ store: undefined as never })).toThrow(/store/);
  });
});
