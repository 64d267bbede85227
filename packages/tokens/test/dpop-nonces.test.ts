// DPoP nonces shared by the fleet: two instances on one store hand out the same nonce, accept the previous one for an
// interval, then refuse it.
import { describe, expect, it } from '@jest/globals';
import { MemoryStore } from '@oauth-store/core';
import { DpopNonces } from '../src/index';

describe('DpopNonces', () => {
  it('is the same on every instance, rotates, and accepts the previous nonce for one interval', async () => {
    let now = 10 * 60_000;
    const store = new MemoryStore({ now: () => now });
    const a = new DpopNonces(store, { now: () => now, rotationIntervalMs: 60_000 });
    const b = new DpopNonces(store, { now: () => now, rotationIntervalMs: 60_000 });
    const [fromA, fromB] = await Promise.all([a.current(), b.current()]);
    expect(fromA).toBe(fromB);
    expect(await b.isValid(fromA)).toBe(true);
    now += 60_000;
    const next = await b.current();
    expect(next).not.toBe(fromA);
    expect(await a.isValid(next)).toBe(true);
    expect(await a.isValid(fromA)).toBe(true);
    now += 60_000;
    expect(await a.isValid(fromA)).toBe(false);
    expect(await b.isValid(fromA)).toBe(false);
    for (const junk of ['', 'x', 42, undefined, 'y'.repeat(300)]) expect(await a.isValid(junk)).toBe(false);
  });
});
