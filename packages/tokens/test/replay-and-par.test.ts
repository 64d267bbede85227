// ReplayCache and PushedAuthorizationRequests on the in-process MemoryStore.
import { createHmac } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import { InvalidValueError, MemoryStore } from '@oauth-store/core';
import { PushedAuthorizationRequests, REQUEST_URI_PREFIX, ReplayCache } from '../src/index';

describe('ReplayCache', () => {
  it('first_seen once, replayed afterwards, per scope; forgotten after expiry plus skew', async () => {
    let now = 1_000_000;
    const store = new MemoryStore({ now: () => now });
    const cache = new ReplayCache(store, { now: () => now, clockSkewMs: 5_000 });
    const exp = new Date(now + 60_000);
    expect(await cache.check('jti-1', exp, { scope: 'dpop' })).toBe('first_seen');
    expect(await cache.check('jti-1', exp, { scope: 'dpop' })).toBe('replayed');
    expect(await cache.check('jti-1', exp, { scope: 'client-assertion:app' })).toBe('first_seen');
    now += 64_000;
    expect(await cache.check('jti-1', exp, { scope: 'dpop' })).toBe('replayed');
    now += 1_001;
    expect(await cache.check('jti-1', exp, { scope: 'dpop' })).toBe('expired');
    expect(await cache.check('jti-2', now - 10_000)).toBe('expired');
  });

  it('of concurrent checks of one jti exactly one is first_seen', async () => {
    const cache = new ReplayCache(new MemoryStore());
    const verdicts = await Promise.all(Array.from({ length: 10 }, () => cache.check('same', Date.now() + 30_000)));
    expect(verdicts.filter((verdict) => verdict === 'first_seen')).toHaveLength(1);
  });

  it('stores keyed hashes only, and refuses bad input and too long lifetimes', async () => {
    const store = new MemoryStore();
    const secret = 'a shared secret of every instance';
    const cache = new ReplayCache(store, {
      keyHasher: (key) => createHmac('sha256', secret).update(key).digest('base64url'),
    });
    await cache.check('visible-jti', Date.now() + 30_000);
    const { keys } = await store.list('tokens:jti');
    expect(keys).toHaveLength(1);
    expect(keys[0]).not.toContain('visible-jti');
    await expect(cache.check('', Date.now() + 1000)).rejects.toThrow(InvalidValueError);
    await expect(cache.check('j', Number.NaN)).rejects.toThrow(InvalidValueError);
    await expect(cache.check('j', Date.now() + 2 * 3_600_000)).rejects.toThrow(/maxLifetimeMs/);
  });
});

describe('PushedAuthorizationRequests', () => {
  it('push answers a request_uri and expires_in; consume returns the payload once', async () => {
    const store = new MemoryStore();
    const par = new PushedAuthorizationRequests<{ scope: string }>(store);
    const pushed = await par.push({ scope: 'openid' }, { lifetimeMs: 90_000, clientId: 'app' });
    expect(pushed.requestUri.startsWith(REQUEST_URI_PREFIX)).toBe(true);
    expect(pushed.expiresIn).toBe(90);
    const results = await Promise.all(
      Array.from({ length: 5 }, () => par.consume(pushed.requestUri, { clientId: 'app' })),
    );
    expect(results.filter((result) => result.ok)).toEqual([
      { ok: true, payload: { scope: 'openid' }, clientId: 'app' },
    ]);
    expect((await store.list('tokens:par')).keys).toHaveLength(0);
  });

  it('expires after its lifetime; another client cannot use it; lifetimes outside 5-600 s are refused', async () => {
    let now = 0;
    const store = new MemoryStore({ now: () => now });
    const par = new PushedAuthorizationRequests(store, { now: () => now });
    const pushed = await par.push({ a: 1 }, { lifetimeMs: 5_000 });
    now += 5_001;
    expect(await par.consume(pushed.requestUri)).toEqual({ ok: false, reason: 'unknown' });
    const bound = await par.push({ a: 1 }, { clientId: 'app' });
    expect(await par.consume(bound.requestUri, { clientId: 'evil' })).toEqual({ ok: false, reason: 'client_mismatch' });
    expect(await par.consume(bound.requestUri, { clientId: 'app' })).toEqual({ ok: false, reason: 'unknown' });
    await expect(par.push({}, { lifetimeMs: 4_999 })).rejects.toThrow(InvalidValueError);
    await expect(par.push({}, { lifetimeMs: 600_001 })).rejects.toThrow(InvalidValueError);
    expect(await par.consume('https://example.com/x')).toEqual({ ok: false, reason: 'unknown' });
  });
});
