// Refresh-token families on the in-process MemoryStore (contract v2): rotation, reuse revoking the family, the grace
// window, TTLs, hashed keys. The cross-process guarantees are in cross-process.test.ts.
import { describe, expect, it } from '@jest/globals';
import { ConfigurationError, IntegrityError, MemoryStore } from '@oauth-store/core';
import { RefreshTokenFamilies } from '../src/index';

function setup(options: ConstructorParameters<typeof RefreshTokenFamilies>[1] = {}) {
  let now = Date.parse('2026-12-01T00:00:00Z');
  const clock = { now: () => now, advance: (ms: number) => (now += ms) };
  const store = new MemoryStore({ now: clock.now });
  const families = new RefreshTokenFamilies<{ sub: string }>(store, { now: clock.now, ...options });
  return { store, families, clock };
}

describe('RefreshTokenFamilies', () => {
  it('rotates: the successor works, the presented token is retired, data follows the family', async () => {
    const { families } = setup();
    const issued = await families.issue({ sub: 'alice' });
    expect(await families.verify(issued.token)).toMatchObject({
      ok: true,
      familyId: issued.familyId,
      data: { sub: 'alice' },
    });
    const rotated = await families.rotate(issued.token);
    if (!rotated.ok) throw new Error(`rotation failed: ${rotated.reason}`);
    expect(rotated.token).not.toBe(issued.token);
    expect(rotated.data).toEqual({ sub: 'alice' });
    expect(await families.verify(issued.token)).toMatchObject({ ok: false, reason: 'retired' });
    expect(await families.verify(rotated.token)).toMatchObject({ ok: true });
    const again = await families.rotate(rotated.token);
    expect(again.ok).toBe(true);
  });

  it('presenting a retired token is reuse: the whole family, successors included, is revoked', async () => {
    const { families } = setup();
    const issued = await families.issue({ sub: 'alice' });
    const first = await families.rotate(issued.token);
    if (!first.ok) throw new Error('rotation failed');
    const second = await families.rotate(first.token);
    if (!second.ok) throw new Error('rotation failed');
    expect(await families.rotate(issued.token)).toEqual({ ok: false, reason: 'reused', familyId: issued.familyId });
    expect(await families.verify(second.token)).toMatchObject({ ok: false, reason: 'revoked' });
    expect(await families.rotate(second.token)).toMatchObject({ ok: false, reason: 'revoked' });
    // Another family is untouched.
    const other = await families.issue({ sub: 'bob' });
    expect((await families.rotate(other.token)).ok).toBe(true);
  });

  it('of concurrent rotations of one token exactly one wins; without grace the losers revoke the family', async () => {
    const { families } = setup();
    const issued = await families.issue({ sub: 'alice' });
    const results = await Promise.all(Array.from({ length: 8 }, () => families.rotate(issued.token)));
    expect(results.filter((result) => result.ok)).toHaveLength(1);
    expect(results.filter((result) => !result.ok && result.reason === 'reused').length).toBeGreaterThan(0);
    const winner = results.find((result) => result.ok);
    if (!winner?.ok) throw new Error('no winner');
    expect(await families.verify(winner.token)).toMatchObject({ ok: false, reason: 'revoked' });
  });

  it('with a grace window, a concurrent loser gets the same successor; after the window it is reuse', async () => {
    const { families, clock } = setup({ graceMs: 5_000 });
    const issued = await families.issue({ sub: 'alice' });
    const results = await Promise.all(Array.from({ length: 6 }, () => families.rotate(issued.token)));
    const tokens = new Set(results.map((result) => (result.ok ? result.token : `failed ${result.reason}`)));
    expect(tokens.size).toBe(1);
    expect(results.filter((result) => result.ok && !result.viaGrace)).toHaveLength(1);
    const [successor] = [...tokens] as [string];
    expect(await families.verify(successor)).toMatchObject({ ok: true });
    clock.advance(5_001);
    expect(await families.rotate(issued.token)).toMatchObject({ ok: false, reason: 'reused' });
    expect(await families.verify(successor)).toMatchObject({ ok: false, reason: 'revoked' });
  });

  it('inside the grace window, once the successor was itself rotated, the old token is reuse', async () => {
    const { families } = setup({ graceMs: 5_000 });
    const issued = await families.issue({ sub: 'alice' });
    const first = await families.rotate(issued.token);
    if (!first.ok) throw new Error('rotation failed');
    expect((await families.rotate(first.token)).ok).toBe(true);
    expect(await families.rotate(issued.token)).toMatchObject({ ok: false, reason: 'reused' });
  });

  it('tokens expire after tokenTtlMs and never outlive the family', async () => {
    const { families, clock } = setup({ tokenTtlMs: 10_000, familyTtlMs: 25_000 });
    const issued = await families.issue({ sub: 'alice' });
    clock.advance(9_000);
    const a = await families.rotate(issued.token);
    if (!a.ok) throw new Error('rotation failed');
    clock.advance(9_000);
    const b = await families.rotate(a.token);
    if (!b.ok) throw new Error('rotation failed');
    expect(b.expiresAt.getTime()).toBe(Date.parse('2026-12-01T00:00:25Z'));
    clock.advance(7_001);
    expect(await families.rotate(b.token)).toMatchObject({ ok: false, reason: 'unknown' });
    const fresh = await families.issue({ sub: 'alice' });
    clock.advance(10_001);
    expect(await families.verify(fresh.token)).toMatchObject({ ok: false, reason: 'unknown' });
  });

  it('stores only hashes of tokens; revoke(token) revokes its family; junk is unknown', async () => {
    const { families, store } = setup();
    const issued = await families.issue({ sub: 'alice' });
    const page = await store.list('tokens:refresh-tokens');
    expect(page.keys).toHaveLength(1);
    expect(page.keys[0]).not.toBe(issued.token);
    expect(await store.get('tokens:refresh-tokens', issued.token)).toBeUndefined();
    expect(await families.revoke(issued.token)).toBe(true);
    expect(await families.rotate(issued.token)).toMatchObject({ ok: false, reason: 'revoked' });
    for (const junk of ['', 'x'.repeat(5000), 42 as never, undefined as never, 'never-issued']) {
      expect(await families.rotate(junk)).toEqual({ ok: false, reason: 'unknown' });
      expect(await families.verify(junk)).toEqual({ ok: false, reason: 'unknown' });
    }
  });

  it('refuses bad options with a typed error', () => {
    const store = new MemoryStore();
    expect(() => new RefreshTokenFamilies(store, { graceMs: -1 })).toThrow(ConfigurationError);
    expect(() => new RefreshTokenFamilies(store, { tokenTtlMs: '1' as never })).toThrow(ConfigurationError);
    expect(() => new RefreshTokenFamilies({} as never)).toThrow(ConfigurationError);
  });
});

describe('the grace seal', () => {
  it('opens only with the retired token, and a tampered seal is an IntegrityError', async () => {
    const { openSuccessor, sealSuccessor } = await import('../src/grace-seal');
    const sealed = sealSuccessor('old-token', 'successor-token');
    expect(sealed).not.toContain('successor');
    expect(openSuccessor('old-token', sealed)).toBe('successor-token');
    expect(() => openSuccessor('another-token', sealed)).toThrow(IntegrityError);
    const bytes = Buffer.from(sealed, 'base64url');
    bytes[14] = (bytes[14] ?? 0) ^ 1;
    expect(() => openSuccessor('old-token', bytes.toString('base64url'))).toThrow(IntegrityError);
    expect(() => openSuccessor('old-token', 'AAAA')).toThrow(IntegrityError);
  });
});
