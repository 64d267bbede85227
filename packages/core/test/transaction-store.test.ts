import { describe, expect, it } from '@jest/globals';
import {
  type ByteStore,
  ConfigurationError,
  decodeRecord,
  encodeRecord,
  IntegrityError,
  InvalidValueError,
  MemoryStore,
  TransactionStore,
} from '@oauth-store/core';

describe('record codec', () => {
  it('round-trips Date and URL anywhere, and objects that themselves use the tag key', () => {
    const value = {
      at: new Date('2026-01-02T03:04:05.678Z'),
      resource: new URL('https://mcp.example/mcp'),
      nested: [{ when: new Date(0) }],
      $type: 'user data',
    };
    const decoded = decodeRecord(encodeRecord(value)) as typeof value;
    expect(decoded.at).toBeInstanceOf(Date);
    expect(decoded.at.toISOString()).toBe('2026-01-02T03:04:05.678Z');
    expect(decoded.resource).toBeInstanceOf(URL);
    expect(decoded.resource.href).toBe('https://mcp.example/mcp');
    expect(decoded.nested[0]?.when).toEqual(new Date(0));
    expect(decoded.$type).toBe('user data');
  });

  it('rejects what JSON would silently change, and bytes that are not a record', () => {
    expect(() => encodeRecord({ n: Number.NaN })).toThrow(InvalidValueError);
    expect(() => encodeRecord({ m: new Map() })).toThrow(InvalidValueError);
    expect(() => decodeRecord(new Uint8Array([0xc3]))).toThrow(IntegrityError);
    expect(() => decodeRecord(new TextEncoder().encode('{"$type":"Date","value":1}'))).toThrow(IntegrityError);
  });
});

describe('TransactionStore', () => {
  const grant = () => ({
    clientId: 'c',
    redirectUri: 'http://localhost/cb',
    createdAt: new Date(),
    resource: new URL('https://r.example'),
  });

  it('consumes a code exactly once among many concurrent callers and reports replays as already used', async () => {
    const txns = new TransactionStore(new MemoryStore());
    expect(await txns.authorizationCodes.issue('code-1', grant())).toBe(true);
    expect(await txns.authorizationCodes.issue('code-1', grant())).toBe(false);
    expect((await txns.authorizationCodes.peek('code-1'))?.resource).toBeInstanceOf(URL);
    const results = await Promise.all(Array.from({ length: 25 }, () => txns.authorizationCodes.consume('code-1')));
    expect(results.filter((result) => result.ok)).toHaveLength(1);
    const replay = await txns.authorizationCodes.consume('code-1');
    expect(replay).toMatchObject({ ok: false, reason: 'already_used' });
    expect(await txns.authorizationCodes.consume('never-issued')).toEqual({ ok: false, reason: 'not_found' });
  });

  it('applies default TTLs and derives token TTLs from their own expiry', async () => {
    let now = 1_000_000;
    const txns = new TransactionStore(new MemoryStore({ now: () => now }), { now: () => now });
    await txns.transactions.put('t', { clientId: 'c', redirectUri: 'http://x/cb', createdAt: new Date(now) });
    await txns.upstreamTokens.put('u', { accessToken: 'a', expiresAt: new Date(now + 5_000) });
    now += 5_001;
    expect(await txns.upstreamTokens.get('u')).toBeUndefined();
    expect(await txns.transactions.get('t')).toBeDefined();
    now += 15 * 60_000;
    expect(await txns.transactions.get('t')).toBeUndefined();
  });

  it('refuses a store whose take is not atomic unless the user opts in', () => {
    const store = new MemoryStore();
    const nonAtomic: ByteStore = {
      capabilities: { ...store.capabilities, name: 'keyv', atomicTake: false },
      get: (collection, key) => store.get(collection, key),
      getEntry: (collection, key) => store.getEntry(collection, key),
      set: (collection, key, value, options) => store.set(collection, key, value, options),
      delete: (collection, key, options) => store.delete(collection, key, options),
      take: (collection, key) => store.take(collection, key),
      list: (collection, options) => store.list(collection, options),
      close: () => store.close(),
    };
    expect(() => new TransactionStore(nonAtomic)).toThrow(ConfigurationError);
    expect(() => new TransactionStore(nonAtomic, { allowNonAtomicTake: true })).not.toThrow();
  });
});
