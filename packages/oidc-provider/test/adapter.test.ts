// The adapter methods one by one, on Redis and PostgreSQL, each "instance" on its own connection.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type ByteStore, MemoryStore } from '@oauth-store/core';
import { ConsumeRefusedError, createOidcAdapter, type OidcAdapterFactory } from '../src/index';
import { BACKENDS, openStore, uniquePrefix } from './support/stores';

/** Polls `check` until it is true or `ms` have passed (for expiry, which the backend applies on its own clock). */
async function eventually(check: () => Promise<boolean>, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await check()) return true;
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe.each(BACKENDS)('oidc adapter on %s', (backend) => {
  const stores: ByteStore[] = [];
  let one: OidcAdapterFactory;
  let other: OidcAdapterFactory;
  let prefix: string;

  beforeAll(async () => {
    prefix = uniquePrefix(`adapter-${backend}`);
    for (let i = 0; i < 4; i += 1) stores.push(await openStore(backend));
    one = createOidcAdapter(stores[0] as ByteStore, { prefix });
    other = createOidcAdapter(stores[1] as ByteStore, { prefix });
  });
  afterAll(async () => {
    await Promise.allSettled(stores.map((store) => store.close()));
  });

  it('stores the payload as JSON and returns it from another connection; destroy removes it', async () => {
    const payload = { jti: 'at-1', kind: 'AccessToken', accountId: 'alice', scope: 'openid', extra: { $type: 'x' } };
    await one('AccessToken').upsert('at-1', payload, 60);
    expect(await other('AccessToken').find('at-1')).toEqual(payload);
    expect(await other('RefreshToken').find('at-1')).toBeUndefined();
    await other('AccessToken').destroy('at-1');
    expect(await one('AccessToken').find('at-1')).toBeUndefined();
    expect(await one('AccessToken').find('never-written')).toBeUndefined();
  });

  it('expires a record after expiresIn seconds, and upsert without expiresIn keeps it', async () => {
    await one('Interaction').upsert('short', { kind: 'Interaction' }, 1);
    await one('Client').upsert('forever', { client_id: 'forever' });
    expect(await other('Interaction').find('short')).toBeDefined();
    expect(await eventually(async () => (await other('Interaction').find('short')) === undefined, 3_000)).toBe(true);
    expect(await other('Client').find('forever')).toEqual({ client_id: 'forever' });
  });

  it('consume marks the record (consumed = epoch seconds) and keeps it findable', async () => {
    const before = Math.floor(Date.now() / 1000);
    await one('AuthorizationCode').upsert('code-1', { kind: 'AuthorizationCode', grantId: 'g-consume' }, 60);
    await other('AuthorizationCode').consume('code-1');
    const found = await one('AuthorizationCode').find('code-1');
    expect(found?.grantId).toBe('g-consume');
    expect(typeof found?.consumed).toBe('number');
    expect(found?.consumed as number).toBeGreaterThanOrEqual(before);
    expect(found?.consumed as number).toBeLessThanOrEqual(Math.ceil(Date.now() / 1000));
  });

  it('refuses a second consume, and a consume of a missing record, as invalid_grant', async () => {
    await one('RefreshToken').upsert('rt-1', { kind: 'RefreshToken' }, 60);
    await one('RefreshToken').consume('rt-1');
    const again = await other('RefreshToken')
      .consume('rt-1')
      .catch((error: unknown) => error);
    expect(again).toBeInstanceOf(ConsumeRefusedError);
    expect(again).toMatchObject({
      message: 'invalid_grant',
      code: 'conflict',
      statusCode: 400,
      expose: true,
      error_description: 'grant request is invalid',
      alreadyConsumed: true,
    });
    const missing = await other('RefreshToken')
      .consume('rt-missing')
      .catch((error: unknown) => error);
    expect(missing).toMatchObject({ message: 'invalid_grant', alreadyConsumed: false });
    // The error detail names the model, never the token.
    expect(String((missing as ConsumeRefusedError).error_detail)).not.toContain('rt-missing');
  });

  it('of 20 concurrent consumes over 4 connections, exactly one succeeds (20 rounds)', async () => {
    const adapters = stores.map((store) => createOidcAdapter(store, { prefix })('AuthorizationCode'));
    for (let round = 0; round < 20; round += 1) {
      const id = `race-${round}`;
      await adapters[0]?.upsert(id, { kind: 'AuthorizationCode' }, 60);
      const results = await Promise.allSettled(
        Array.from({ length: 20 }, (_, i) => adapters[i % adapters.length]?.consume(id)),
      );
      const won = results.filter((result) => result.status === 'fulfilled').length;
      expect(won).toBe(1);
      for (const result of results) {
        if (result.status === 'rejected') expect(result.reason).toBeInstanceOf(ConsumeRefusedError);
      }
    }
  });

  it('a consume that loses to a concurrent one revokes the grant: its tokens and the Grant itself', async () => {
    const adapters = stores.map((store) => createOidcAdapter(store, { prefix }));
    const grantId = `reuse-grant-${backend}`;
    const first = adapters[0] as OidcAdapterFactory;
    await first('Grant').upsert(grantId, { kind: 'Grant', accountId: 'alice' }, 60);
    await first('RefreshToken').upsert('reuse-rt', { kind: 'RefreshToken', grantId }, 60);
    await first('AccessToken').upsert('reuse-at', { kind: 'AccessToken', grantId }, 60);
    const results = await Promise.allSettled(adapters.map((factory) => factory('RefreshToken').consume('reuse-rt')));
    expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
    expect(await first('Grant').find(grantId)).toBeUndefined();
    expect(await first('AccessToken').find('reuse-at')).toBeUndefined();
    // Without a grant id, or with revokeGrantOnReuse off, a lost consume revokes nothing.
    const keep = createOidcAdapter(stores[1] as ByteStore, { prefix, revokeGrantOnReuse: false });
    await first('Grant').upsert('kept-grant', { kind: 'Grant' }, 60);
    await first('RefreshToken').upsert('kept-rt', { kind: 'RefreshToken', grantId: 'kept-grant' }, 60);
    await first('RefreshToken').consume('kept-rt');
    await expect(keep('RefreshToken').consume('kept-rt')).rejects.toBeInstanceOf(ConsumeRefusedError);
    expect(await first('Grant').find('kept-grant')).toBeDefined();
  });

  it('a re-upserted record is a new life: it can be consumed again', async () => {
    const code = one('DeviceCode');
    await code.upsert('dc-1', { kind: 'DeviceCode' }, 60);
    await code.consume('dc-1');
    await code.upsert('dc-1', { kind: 'DeviceCode' }, 60);
    expect((await code.find('dc-1'))?.consumed).toBeUndefined();
    await expect(code.consume('dc-1')).resolves.toBeUndefined();
  });

  it('findByUid and findByUserCode follow their lookups, and only to a record that still matches', async () => {
    await one('Session').upsert('session-1', { kind: 'Session', uid: 'uid-1', accountId: 'alice' }, 60);
    expect((await other('Session').findByUid('uid-1'))?.accountId).toBe('alice');
    expect(await other('Session').findByUid('uid-unknown')).toBeUndefined();
    // The session's uid changes (oidc-provider resets it): the old uid must no longer find it.
    await one('Session').upsert('session-1', { kind: 'Session', uid: 'uid-2', accountId: 'alice' }, 60);
    expect(await other('Session').findByUid('uid-1')).toBeUndefined();
    expect((await other('Session').findByUid('uid-2'))?.accountId).toBe('alice');

    await one('DeviceCode').upsert('device-1', { kind: 'DeviceCode', userCode: 'BCDF-GHJK' }, 60);
    expect((await other('DeviceCode').findByUserCode('BCDF-GHJK'))?.kind).toBe('DeviceCode');
    await other('DeviceCode').destroy('device-1');
    expect(await one('DeviceCode').findByUserCode('BCDF-GHJK')).toBeUndefined();
  });

  it('revokeByGrantId deletes every token of the grant, whatever its model, and nothing else', async () => {
    const grantId = `grant-${backend}`;
    await one('AccessToken').upsert('g-at', { kind: 'AccessToken', grantId }, 60);
    await one('RefreshToken').upsert('g-rt', { kind: 'RefreshToken', grantId }, 60);
    await one('AuthorizationCode').upsert('g-code', { kind: 'AuthorizationCode', grantId }, 60);
    await one('AccessToken').upsert('other-at', { kind: 'AccessToken', grantId: 'another-grant' }, 60);
    await one('Session').upsert('g-session', { kind: 'Session', uid: 'g-uid', grantId }, 60);
    await other('RefreshToken').revokeByGrantId(grantId);
    expect(await one('AccessToken').find('g-at')).toBeUndefined();
    expect(await one('RefreshToken').find('g-rt')).toBeUndefined();
    expect(await one('AuthorizationCode').find('g-code')).toBeUndefined();
    expect(await one('AccessToken').find('other-at')).toBeDefined();
    // Sessions are not grant tokens: revoking a grant must not log the user out.
    expect(await one('Session').find('g-session')).toBeDefined();
    // The index is gone too.
    expect((await stores[0]?.list(`${prefix}grant:${grantId}`))?.keys).toEqual([]);
  });

  it('revokeByGrantId leaves a token whose id was re-used for another grant', async () => {
    await one('AccessToken').upsert('moved', { kind: 'AccessToken', grantId: 'g-old' }, 60);
    await one('AccessToken').upsert('moved', { kind: 'AccessToken', grantId: 'g-new' }, 60);
    await other('AccessToken').revokeByGrantId('g-old');
    expect((await one('AccessToken').find('moved'))?.grantId).toBe('g-new');
  });

  it('revokeByGrantId pages through a grant with more tokens than one page', async () => {
    const grantId = `big-grant-${backend}`;
    const ids = Array.from({ length: 130 }, (_, i) => `many-${i}`);
    await Promise.all(ids.map((id) => one('AccessToken').upsert(id, { kind: 'AccessToken', grantId }, 60)));
    await other('AccessToken').revokeByGrantId(grantId);
    const left = await Promise.all(ids.map((id) => one('AccessToken').find(id)));
    expect(left.filter(Boolean)).toHaveLength(0);
  });

  it('keeps token ids out of the grant index and claim key names', async () => {
    await one('AccessToken').upsert('secret-token-value', { kind: 'AccessToken', grantId: 'g-names' }, 60);
    await one('AccessToken').consume('secret-token-value');
    const index = await stores[0]?.list(`${prefix}grant:g-names`);
    const claims = await stores[0]?.list(`${prefix}AccessToken:consumed`);
    expect(index?.keys).toHaveLength(1);
    expect(claims?.keys.length).toBeGreaterThan(0);
    for (const key of [...(index?.keys ?? []), ...(claims?.keys ?? [])]) expect(key).not.toContain('secret-token');
  });
});

describe('createOidcAdapter configuration', () => {
  it('rejects what is not a store, bad options and prefixes too long for the store', () => {
    expect(() => createOidcAdapter({} as ByteStore)).toThrow(expect.objectContaining({ code: 'configuration' }));
    const store = new MemoryStore();
    expect(() => createOidcAdapter(store, { prefix: '' })).toThrow(expect.objectContaining({ code: 'configuration' }));
    expect(() => createOidcAdapter(store, { clockToleranceSeconds: -1 })).toThrow(
      expect.objectContaining({ code: 'configuration' }),
    );
    const long = createOidcAdapter(store, { prefix: 'p'.repeat(240) });
    expect(() => long('BackchannelAuthenticationRequest')).toThrow(expect.objectContaining({ code: 'configuration' }));
  });

  it('is a plain factory oidc-provider accepts (not async, one adapter per model)', () => {
    const factory = createOidcAdapter(new MemoryStore());
    expect(factory.constructor.name).toBe('Function');
    expect(factory('Session')).toBe(factory('Session'));
    expect(factory('Session')).not.toBe(factory('Grant'));
  });

  it('adds clockToleranceSeconds to every lifetime', async () => {
    let now = 1_000_000;
    const store = new MemoryStore({ now: () => now });
    const adapter = createOidcAdapter(store, { clockToleranceSeconds: 5 })('AccessToken');
    await adapter.upsert('t', { kind: 'AccessToken' }, 10);
    now += 14_000;
    expect(await adapter.find('t')).toBeDefined();
    now += 1_001;
    expect(await adapter.find('t')).toBeUndefined();
  });

  it('accepts payloads wherever JSON.stringify would (toJSON, class instances), and round-trips Date and URL', async () => {
    const adapter = createOidcAdapter(new MemoryStore())('Interaction');
    class Claims {
      readonly sub = 'alice';
      readonly hidden = undefined;
      method() {}
    }
    const keyed: string[] = [];
    const payload = {
      kind: 'Interaction',
      when: new Date('2026-12-01T00:00:00.000Z'),
      resource: new URL('https://mcp.example/a?b=1'),
      claims: new Claims(),
      money: {
        toJSON: (key: string) => {
          keyed.push(key);
          return '12.50';
        },
      },
      nested: [{ toJSON: () => ({ deep: new Date(0) }) }, undefined, () => 1],
      boxed: new String('text'),
      infinite: Number.POSITIVE_INFINITY,
      dropped: undefined,
    };
    await adapter.upsert('i-1', payload as never, 60);
    const found = await adapter.find('i-1');
    expect(found?.when).toEqual(payload.when);
    expect(found?.when).toBeInstanceOf(Date);
    expect(found?.resource).toBeInstanceOf(URL);
    expect(String(found?.resource)).toBe('https://mcp.example/a?b=1');
    expect(found?.claims).toEqual({ sub: 'alice' });
    expect(found?.money).toBe('12.50');
    expect(keyed).toEqual(['money']);
    expect(found?.nested).toEqual([{ deep: new Date(0) }, null, null]);
    expect(found?.boxed).toBe('text');
    expect(found?.infinite).toBeNull();
    expect(Object.hasOwn(found ?? {}, 'dropped')).toBe(false);
  });

  it('refuses what JSON.stringify refuses (BigInt, cycles) with a typed error and writes nothing', async () => {
    const store = new MemoryStore();
    const adapter = createOidcAdapter(store)('Interaction');
    await expect(adapter.upsert('big', { kind: 'Interaction', n: 10n } as never, 60)).rejects.toMatchObject({
      code: 'invalid_value',
    });
    const cyclic: Record<string, unknown> = { kind: 'Interaction' };
    cyclic.self = { back: cyclic };
    await expect(adapter.upsert('cyclic', cyclic, 60)).rejects.toMatchObject({ code: 'invalid_value' });
    expect(await adapter.find('big')).toBeUndefined();
    expect(await adapter.find('cyclic')).toBeUndefined();
  });

  it('keeps an expired device code findable (not consumable) for expiredRetentionSeconds, then drops it', async () => {
    let now = 1_000_000;
    const store = new MemoryStore({ now: () => now });
    const realNow = Date.now;
    Date.now = () => now;
    try {
      const factory = createOidcAdapter(store, { expiredRetentionSeconds: 30 });
      const exp = Math.floor(now / 1000) + 10;
      await factory('DeviceCode').upsert('dc', { kind: 'DeviceCode', exp, userCode: 'ABCD' }, 10);
      await factory('AccessToken').upsert('at', { kind: 'AccessToken', exp }, 10);
      now += 11_000;
      expect((await factory('DeviceCode').find('dc'))?.exp).toBe(exp);
      expect((await factory('DeviceCode').findByUserCode('ABCD'))?.exp).toBe(exp);
      expect(await factory('AccessToken').find('at')).toBeUndefined();
      await expect(factory('DeviceCode').consume('dc')).rejects.toBeInstanceOf(ConsumeRefusedError);
      now += 30_000;
      expect(await factory('DeviceCode').find('dc')).toBeUndefined();
      expect(() => createOidcAdapter(store, { expiredRetentionSeconds: -1 })).toThrow(
        expect.objectContaining({ code: 'configuration' }),
      );
    } finally {
      Date.now = realNow;
    }
  });

  it('rejects a non-finite expiresIn with a typed error', async () => {
    const adapter = createOidcAdapter(new MemoryStore())('AccessToken');
    await expect(adapter.upsert('t', { kind: 'AccessToken' }, Number.NaN)).rejects.toMatchObject({
      code: 'invalid_value',
    });
  });
});
