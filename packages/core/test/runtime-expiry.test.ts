// Expiry filtering: the runtime, not the driver, guarantees that no expired entry leaves it. The driver here returns
// whatever it stored, expired or not, and the clock is the driver's (so every boundary is exact, no waiting).
import { describe, expect, it } from '@jest/globals';
import { defineStore, IntegrityError } from '@oauth-store/core';
import { type Clock, scriptedDriver } from './support/scripted-driver';

const value = new Uint8Array([4, 2]);

function store(clock: Clock) {
  const driver = scriptedDriver({}, new Map(), clock);
  // A driver that does not filter at all: read and take hand back expired frames too.
  return { store: defineStore(driver), driver };
}

describe('runtime expiry filtering', () => {
  it('an entry is live until expiresAt and gone at expiresAt exactly, for get, getEntry and take', async () => {
    const clock = { now: 1_000_000 };
    const { store: s } = store(clock);
    await s.set('c', 'get', value, { ttlMs: 50 });
    await s.set('c', 'entry', value, { ttlMs: 50 });
    await s.set('c', 'take', value, { ttlMs: 50 });
    clock.now += 49;
    expect(await s.get('c', 'get')).toEqual(value);
    expect((await s.getEntry('c', 'entry'))?.expiresAt).toBe(1_000_050);
    clock.now += 1; // exactly the deadline: set time + ttlMs
    expect(await s.get('c', 'get')).toBeUndefined();
    expect(await s.getEntry('c', 'entry')).toBeUndefined();
    expect(await s.take('c', 'take')).toBeUndefined();
  });

  it('a ttlMs of 1 is gone one millisecond later', async () => {
    const clock = { now: 5_000 };
    const { store: s } = store(clock);
    await s.set('c', 'k', value, { ttlMs: 1 });
    expect(await s.get('c', 'k')).toEqual(value);
    clock.now += 1;
    expect(await s.get('c', 'k')).toBeUndefined();
  });

  it('the frame carries the absolute expiry; a set without ttlMs has none', async () => {
    const clock = { now: 2_000 };
    const { store: s, driver } = store(clock);
    await s.set('c', 'ttl', value, { ttlMs: 300 });
    await s.set('c', 'forever', value);
    const stored = driver.backend.get(JSON.stringify(['c', 'ttl']))!;
    expect(stored[0]).toBe(0xf2);
    expect(Number(Buffer.from(stored).readBigUInt64BE(1))).toBe(2_300);
    expect(Number(Buffer.from(driver.backend.get(JSON.stringify(['c', 'forever']))!).readBigUInt64BE(1))).toBe(0);
    clock.now += 10 * 365 * 24 * 3_600_000;
    expect(await s.get('c', 'forever')).toEqual(value);
  });

  it('liveness is judged on the clock at completion: a read that straddles the deadline returns nothing', async () => {
    const clock = { now: 10_000 };
    const driver = scriptedDriver({}, new Map(), clock);
    const read = driver.read;
    const s = defineStore({
      ...driver,
      read: async (c, k, context) => {
        const bytes = await read(c, k, context);
        clock.now += 100; // the answer arrives after the deadline
        return bytes;
      },
    });
    await s.set('c', 'k', value, { ttlMs: 50 });
    expect(await s.get('c', 'k')).toBeUndefined();
  });

  it('a stored record that is not a frame is an integrity error, not a value', async () => {
    const { store: s, driver } = store({ now: 1 });
    driver.backend.set(JSON.stringify(['c', 'old']), new Uint8Array([1, 2, 3]));
    await expect(s.get('c', 'old')).rejects.toBeInstanceOf(IntegrityError);
    await expect(s.get('c', 'old')).rejects.toThrow(/oauth-store migrate/);
  });
});
