// Issue 12 items 5-8: every bad input is a typed error and writes nothing; ids that cannot exist are "not found";
// `__proto__` never sets a prototype; secret-derived names are hashed.
import { describe, expect, it } from '@jest/globals';
import {
  type ByteStore,
  ClientStore,
  encodeRecord,
  isOAuthStoreError,
  MemoryStore,
  sha256KeyHasher,
  TransactionStore,
} from '@oauth-store/core';

const metadata = { redirect_uris: ['http://localhost:3000/callback'], token_endpoint_auth_method: 'none' };

async function keysOf(store: ByteStore, collection: string): Promise<string[]> {
  return (await store.list(collection, { limit: 1000 })).keys;
}

function deep(levels: number): unknown {
  let value: unknown = 'leaf';
  for (let i = 0; i < levels; i++) value = { next: value };
  return value;
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (isOAuthStoreError(error)) return error.code;
    return `untyped ${(error as Error)?.name}`;
  }
  return 'resolved';
}

describe('bad inputs are typed errors and write nothing (item 5)', () => {
  it('registerClient(null) and (undefined) reject invalid_value', async () => {
    const raw = new MemoryStore();
    const clients = new ClientStore(raw);
    expect(await codeOf(clients.registerClient(null as never))).toBe('invalid_value');
    expect(await codeOf(clients.registerClient(undefined as never))).toBe('invalid_value');
    expect(await keysOf(raw, 'oauth-clients')).toEqual([]);
  });

  it('a circular jwks and a 20,000-deep value reject invalid_value, not RangeError', async () => {
    const raw = new MemoryStore();
    const clients = new ClientStore(raw);
    const jwks: Record<string, unknown> = { keys: [] };
    (jwks.keys as unknown[]).push(jwks);
    expect(await codeOf(clients.registerClient({ ...metadata, jwks } as never))).toBe('invalid_value');
    const txns = new TransactionStore(raw);
    expect(
      await codeOf(
        txns.transactions.put('t', { clientId: 'c', redirectUri: 'x', createdAt: new Date(), deep: deep(20_000) }),
      ),
    ).toBe('invalid_value');
    expect(await keysOf(raw, 'oauth-clients')).toEqual([]);
    expect(await keysOf(raw, 'oauth-transactions')).toEqual([]);
  });

  it('a planted 20,000-deep stored record reads as integrity, not RangeError', async () => {
    const raw = new MemoryStore();
    const txns = new TransactionStore(raw);
    await raw.set('oauth-transactions', 't', new TextEncoder().encode(`${'['.repeat(20_000)}${']'.repeat(20_000)}`));
    expect(await codeOf(txns.transactions.get('t'))).toBe('integrity');
  });

  it('ttlMs given as a string is refused, not silently used', async () => {
    const raw = new MemoryStore();
    const txns = new TransactionStore(raw);
    const put = txns.transactions.put(
      't',
      { clientId: 'c', redirectUri: 'x', createdAt: new Date() },
      {
        ttlMs: '1000' as never,
      },
    );
    expect(await codeOf(put)).toBe('invalid_value');
    expect(await keysOf(raw, 'oauth-transactions')).toEqual([]);
  });

  it('client metadata is capped well below the store limit (a 1 MiB client_name is value_too_large)', async () => {
    const raw = new MemoryStore();
    const clients = new ClientStore(raw);
    expect(await codeOf(clients.registerClient({ ...metadata, client_name: 'x'.repeat(1024 * 1024) }))).toBe(
      'value_too_large',
    );
    expect(await codeOf(clients.registerClient({ ...metadata, client_name: 'x'.repeat(20_000) }))).toBe(
      'value_too_large',
    );
    expect(await keysOf(raw, 'oauth-clients')).toEqual([]);
  });

  it('a store that is not a store is a configuration error at construction', () => {
    expect(() => new ClientStore(undefined as never)).toThrow(expect.objectContaining({ code: 'configuration' }));
    expect(() => new TransactionStore({} as never)).toThrow(expect.objectContaining({ code: 'configuration' }));
  });
});

describe('lookups of ids that cannot exist answer "not found" (item 6)', () => {
  const impossible = ['', 'x'.repeat(5000), 'a\uD800b', 42, null, undefined] as never[];

  it('ClientStore.getClient / updateClient / deleteClient', async () => {
    const clients = new ClientStore(new MemoryStore());
    for (const id of impossible) {
      expect(await clients.getClient(id)).toBeUndefined();
      expect(await clients.updateClient(id, { client_name: 'n' })).toBeUndefined();
      expect(await clients.deleteClient(id)).toBe(false);
    }
  });

  it('codes, transactions and tokens', async () => {
    const txns = new TransactionStore(new MemoryStore());
    for (const id of impossible) {
      expect(await txns.authorizationCodes.consume(id)).toEqual({ ok: false, reason: 'not_found' });
      expect(await txns.authorizationCodes.peek(id)).toBeUndefined();
      expect(await txns.transactions.get(id)).toBeUndefined();
      expect(await txns.transactions.take(id)).toBeUndefined();
      expect(await txns.refreshTokens.delete(id)).toBe(false);
    }
  });
});

describe('"__proto__" in records (item 7)', () => {
  it('a stored client record holding "__proto__" is integrity, never an inherited client_secret', async () => {
    const raw = new MemoryStore();
    const clients = new ClientStore(raw);
    const planted = `{"v":1,"registeredAt":1,"client":{"client_id":"c","redirect_uris":["http://localhost/cb"],"__proto__":{"client_secret":"attacker"}}}`;
    await raw.set('oauth-clients', 'c', new TextEncoder().encode(planted));
    expect(await codeOf(clients.getClient('c'))).toBe('integrity');
  });

  it('writing a value with an own "__proto__" key is refused, not silently dropped', () => {
    const value = JSON.parse('{"a":1,"__proto__":{"b":2}}');
    expect(() => encodeRecord(value)).toThrow(expect.objectContaining({ code: 'invalid_value' }));
  });
});

describe('secret-derived names are hashed (item 8)', () => {
  it('the replay tombstone of a used code is never keyed by the raw code', async () => {
    const raw = new MemoryStore();
    const txns = new TransactionStore(raw);
    const code = 'raw-code-0123456789';
    await txns.authorizationCodes.issue(code, { clientId: 'c', redirectUri: 'x', createdAt: new Date() });
    expect((await txns.authorizationCodes.consume(code)).ok).toBe(true);
    expect(await keysOf(raw, 'oauth-code-tombstones')).toEqual([sha256KeyHasher(code)]);
    expect(await txns.authorizationCodes.consume(code)).toMatchObject({ ok: false, reason: 'already_used' });
  });

  it('with a keyHasher, no collection holds a raw key', async () => {
    const raw = new MemoryStore();
    const hasher = (key: string) => `h-${sha256KeyHasher(`secret:${key}`)}`;
    const txns = new TransactionStore(raw, { keyHasher: hasher });
    await txns.authorizationCodes.issue('code-1', { clientId: 'c', redirectUri: 'x', createdAt: new Date() });
    await txns.refreshTokens.put('refresh-1', { clientId: 'c', upstreamTokenId: 'u' });
    expect(await keysOf(raw, 'oauth-codes')).toEqual([hasher('code-1')]);
    expect(await keysOf(raw, 'oauth-refresh-tokens')).toEqual([hasher('refresh-1')]);
    expect((await txns.authorizationCodes.consume('code-1')).ok).toBe(true);
    expect(await keysOf(raw, 'oauth-code-tombstones')).toEqual([hasher('code-1')]);
    expect(await txns.refreshTokens.get('refresh-1')).toMatchObject({ clientId: 'c' });
  });
});
