// The key paths an adapter's lowest-supported-client test runs (mysql, sqlite): one copy here, each package's
// sdk-lowest.test.ts calls it on a store built over the lowest client version, on an empty collection `c`.
import { expect } from '@jest/globals';
import type { ByteStore } from '@oauth-store/core';

const bytes = (...values: number[]) => new Uint8Array(values);

/**
 * Set, conditional create, get, compare-and-set (and a versioned delete that must fail), take (exactly once), expiry
 * on the application clock (`advanceClock` moves the store's `now`), a conditional create over an expired entry, one
 * winner among 12 concurrent conditional creates, and `list`.
 */
export async function runKeyPaths(store: ByteStore, advanceClock: (ms: number) => void): Promise<void> {
  // set, conditional create
  expect(await store.set('c', 'k', bytes(1))).toBe(true);
  expect(await store.set('c', 'k', bytes(2), { onlyIfAbsent: true })).toBe(false);
  expect(await store.get('c', 'k')).toEqual(bytes(1));
  // compare-and-set
  const first = await store.getEntry('c', 'k');
  expect(await store.set('c', 'k', bytes(3), { ifVersion: first?.version as string })).toBe(true);
  expect(await store.set('c', 'k', bytes(4), { ifVersion: first?.version as string })).toBe(false);
  expect(await store.delete('c', 'k', { ifVersion: first?.version as string })).toBe(false);
  // take
  expect(await store.take('c', 'k')).toEqual(bytes(3));
  expect(await store.take('c', 'k')).toBeUndefined();
  // expiry by the application clock; an expired entry is absent for a conditional create
  expect(await store.set('c', 'e', bytes(5), { ttlMs: 10, onlyIfAbsent: true })).toBe(true);
  advanceClock(10);
  expect(await store.get('c', 'e')).toBeUndefined();
  expect(await store.take('c', 'e')).toBeUndefined();
  expect(await store.set('c', 'e', bytes(6), { onlyIfAbsent: true })).toBe(true);
  // one winner among concurrent conditional creates
  const racers = await Promise.all(
    Array.from({ length: 12 }, (_, i) => store.set('c', 'race', bytes(i), { onlyIfAbsent: true })),
  );
  expect(racers.filter(Boolean)).toHaveLength(1);
  expect((await store.list('c')).keys).toEqual(['e', 'race']);
}
