// The TokenStorage on its own: value round trips (Dates included), key mapping, TTL semantics, atomic take across
// separate Redis connections, typed errors, and fastmcp's own EncryptedTokenStorage layered on top.
import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type ByteStore, isOAuthStoreError, MemoryStore } from '@oauth-store/core';
import { EncryptedTokenStorage } from 'fastmcp/auth';
import { addressOf, createTokenStorage, StoreTokenStorage, secretKeyCollections } from '../src/index';
import { newDeployment, rawStore } from './support/stores';

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (error: unknown) => error,
  );
}

describe('values', () => {
  it('round-trips fastmcp records with their Dates, nested', async () => {
    const storage = createTokenStorage(new MemoryStore());
    const issuedAt = new Date('2025-01-02T03:04:05.678Z');
    const code = {
      clientId: 'c',
      code: 'abc',
      codeChallenge: 'x',
      codeChallengeMethod: 'S256',
      createdAt: new Date(),
      expiresAt: new Date(Date.now() + 300_000),
      transactionId: 't',
      upstreamTokens: { accessToken: 'a', expiresIn: 3600, issuedAt, scope: ['openid'], tokenType: 'Bearer' },
      resource: new URL('https://mcp.example/'),
      optional: undefined,
    };
    await storage.save('code:abc', code, 300);
    const back = (await storage.get('code:abc')) as typeof code;
    expect(back.upstreamTokens.issuedAt).toBeInstanceOf(Date);
    expect(back.upstreamTokens.issuedAt.getTime()).toBe(issuedAt.getTime());
    expect(back.resource).toBeInstanceOf(URL);
    expect(back).toEqual({ ...code, optional: undefined });
    expect('optional' in back).toBe(false);
  });

  it('stores strings, numbers, arrays and null as they are', async () => {
    const storage = createTokenStorage(new MemoryStore());
    for (const [key, value] of [
      ['upstream:s', 'iv:tag:ciphertext'],
      ['upstream:n', 42],
      ['upstream:a', [1, 'two', { three: new Date(0) }]],
      ['upstream:null', null],
    ] as const) {
      await storage.save(key, value);
      expect(await storage.get(key)).toEqual(value);
    }
  });

  it('returns null for absent keys, for get and take', async () => {
    const storage = createTokenStorage(new MemoryStore());
    expect(await storage.get('client:nobody')).toBeNull();
    expect(await storage.take('code:nothing')).toBeNull();
    await storage.save('code:once', { used: false });
    expect(await storage.take('code:once')).toEqual({ used: false });
    expect(await storage.take('code:once')).toBeNull();
    expect(await storage.get('code:once')).toBeNull();
  });

  it('rejects values records cannot hold with a typed error that does not echo the key', async () => {
    const storage = createTokenStorage(new MemoryStore());
    for (const value of [undefined, () => 1, new Map(), Number.NaN, { nested: new (class Token {})() }]) {
      const error = await rejection(storage.save('code:secret-code-value', value));
      expect(isOAuthStoreError(error, 'invalid_value')).toBe(true);
      expect(String((error as Error).message)).not.toContain('secret-code-value');
    }
  });
});

describe('key mapping', () => {
  it('puts each fastmcp prefix in its own collection', () => {
    expect(addressOf('fastmcp-', 'client:abc')).toEqual({ collection: 'fastmcp-client', key: 'abc' });
    expect(addressOf('fastmcp-', 'code:x:y')).toEqual({ collection: 'fastmcp-code', key: 'x:y' });
    expect(addressOf('fastmcp-', 'mapping:jti')).toEqual({ collection: 'fastmcp-mapping', key: 'jti' });
    expect(addressOf('fastmcp-', 'plain')).toEqual({ collection: 'fastmcp-_other', key: 'plain' });
    expect(addressOf('fastmcp-', 'Client:x')).toEqual({ collection: 'fastmcp-_other', key: 'Client:x' });
    expect(addressOf('fastmcp-', 'client:')).toEqual({ collection: 'fastmcp-_other', key: 'client:' });
    expect(addressOf('fastmcp-', 'client:https://app.example/cimd.json')).toEqual({
      collection: 'fastmcp-client',
      key: 'https://app.example/cimd.json',
    });
  });

  it('is one-to-one: no two keys share an address', () => {
    const parts = ['', 'a', 'x', 'client', 'other', '_other', 'Client', ':', '::', 'a:b', '-', 'a-b', '0'];
    const keys = new Set<string>();
    for (const first of parts)
      for (const second of parts) for (const joiner of ['', ':']) keys.add(`${first}${joiner}${second}`);
    keys.delete('');
    const addresses = new Set(
      [...keys].map((key) => {
        const address = addressOf('fastmcp-', key);
        return `${address.collection}\u0000${address.key}`;
      }),
    );
    expect(addresses.size).toBe(keys.size);
  });

  it('keeps storages with different prefixes apart on one store', async () => {
    const store = new MemoryStore();
    const one = createTokenStorage(store, { collectionPrefix: 'one-' });
    const two = createTokenStorage(store, { collectionPrefix: 'two-' });
    await one.save('client:c', { n: 1 });
    expect(await two.get('client:c')).toBeNull();
    expect(await store.get('one-client', 'c')).toBeDefined();
  });

  it('names the secret-keyed collections for the envelope wrapper', () => {
    const hashed = secretKeyCollections();
    expect(
      ['fastmcp-code', 'fastmcp-transaction', 'fastmcp-upstream', 'fastmcp-mapping', 'fastmcp-_other'].every(hashed),
    ).toBe(true);
    expect(hashed('fastmcp-client')).toBe(false);
    expect(hashed('oauth-clients')).toBe(false);
  });

  it('rejects a malformed collection prefix', () => {
    for (const collectionPrefix of ['Fastmcp-', 'fastmcp', 'a b-', 'x'.repeat(40)]) {
      expect(() => createTokenStorage(new MemoryStore(), { collectionPrefix })).toThrow(/collectionPrefix/);
    }
    expect(() => createTokenStorage(new MemoryStore(), { collectionPrefix: '' })).not.toThrow();
  });
});

describe('TTL', () => {
  it('takes fastmcp TTLs in seconds; absent or 0 means no expiry, as in fastmcp own stores', async () => {
    let now = 1_000_000;
    const storage = createTokenStorage(new MemoryStore({ now: () => now }));
    await storage.save('code:short', { a: 1 }, 2);
    await storage.save('code:half', { a: 1 }, 0.5);
    await storage.save('client:forever', { a: 1 });
    await storage.save('client:zero', { a: 1 }, 0);
    now += 1_999;
    expect(await storage.get('code:short')).not.toBeNull();
    expect(await storage.get('code:half')).toBeNull();
    now += 2;
    expect(await storage.get('code:short')).toBeNull();
    expect(await storage.take('code:short')).toBeNull();
    now += 365 * 24 * 3600 * 1000;
    expect(await storage.get('client:forever')).not.toBeNull();
    expect(await storage.get('client:zero')).not.toBeNull();
  });

  it('rejects a negative or non-finite TTL with a typed error', async () => {
    const storage = createTokenStorage(new MemoryStore());
    for (const ttl of [-1, Number.NaN, Number.POSITIVE_INFINITY, '60' as unknown as number]) {
      expect(isOAuthStoreError(await rejection(storage.save('code:c', { a: 1 }, ttl)), 'invalid_value')).toBe(true);
    }
  });
});

describe('store requirements', () => {
  function withCapabilities(inner: ByteStore, overrides: Partial<ByteStore['capabilities']>): ByteStore {
    return {
      capabilities: { ...inner.capabilities, ...overrides },
      get: (...args) => inner.get(...args),
      getEntry: (...args) => inner.getEntry(...args),
      set: (...args) => inner.set(...args),
      delete: (...args) => inner.delete(...args),
      take: (...args) => inner.take(...args),
      list: (...args) => inner.list(...args),
      close: () => inner.close(),
    };
  }

  it('refuses a store without atomic take unless told to accept the risk', () => {
    const keyvLike = withCapabilities(new MemoryStore(), { atomicTake: false, name: 'keyv' });
    let caught: unknown;
    try {
      createTokenStorage(keyvLike);
    } catch (error) {
      caught = error;
    }
    expect(isOAuthStoreError(caught, 'configuration')).toBe(true);
    expect(createTokenStorage(keyvLike, { allowNonAtomicTake: true })).toBeInstanceOf(StoreTokenStorage);
  });

  it('refuses something that is not a ByteStore', () => {
    expect(() => createTokenStorage({} as ByteStore)).toThrow(/ByteStore/);
  });

  it('cleanup does not touch the store', async () => {
    const touched = (): never => {
      throw new Error('cleanup touched the store');
    };
    const untouchable: ByteStore = {
      capabilities: new MemoryStore().capabilities,
      get: touched,
      getEntry: touched,
      set: touched,
      delete: touched,
      take: touched,
      list: touched,
      close: touched,
    };
    await expect(createTokenStorage(untouchable).cleanup()).resolves.toBeUndefined();
  });
});

describe('over Redis, from separate connections', () => {
  const stores: ByteStore[] = [];
  beforeAll(async () => {
    const deployment = newDeployment();
    for (let i = 0; i < 4; i++) stores.push(await rawStore(deployment));
  });
  afterAll(async () => {
    await Promise.all(stores.map((store) => store.close()));
  });

  it('take hands each code to exactly one of many concurrent callers', async () => {
    const storages = stores.map((store) => createTokenStorage(store));
    const codes = Array.from({ length: 20 }, () => `code:${randomBytes(16).toString('base64url')}`);
    await Promise.all(codes.map((code, index) => storages[0]?.save(code, { index, at: new Date() }, 60)));
    const results = await Promise.all(
      codes.map((code) => Promise.all(storages.flatMap((storage) => [storage.take(code), storage.take(code)]))),
    );
    results.forEach((takers, index) => {
      const winners = takers.filter((value) => value !== null) as Array<{ index: number; at: Date }>;
      expect(winners).toHaveLength(1);
      expect(winners[0]?.index).toBe(index);
      expect(winners[0]?.at).toBeInstanceOf(Date);
    });
  });

  it('works under fastmcp own EncryptedTokenStorage when every instance has the same encryptionKey', async () => {
    const key = randomUUID();
    const one = new EncryptedTokenStorage(createTokenStorage(stores[0] as ByteStore), key);
    const two = new EncryptedTokenStorage(createTokenStorage(stores[1] as ByteStore), key);
    await one.save('client:shared', { clientId: 'shared', registeredAt: new Date(0) });
    // fastmcp's encryption goes through JSON, so Dates come back as strings (fastmcp's reader accepts both).
    expect(await two.get('client:shared')).toEqual({ clientId: 'shared', registeredAt: new Date(0).toISOString() });
    expect(await two.take('client:shared')).not.toBeNull();
    expect(await one.get('client:shared')).toBeNull();
  });
});
