import { describe, expect, it } from '@jest/globals';
import { MemoryStore } from '@oauth-store/core';
import { CountingStore } from '../src/demo/counting-store';

describe("the demo's CountingStore", () => {
  it('counts each call by operation and passes values, conditions and results through', async () => {
    const counting = new CountingStore(new MemoryStore());
    const value = new TextEncoder().encode('v');
    expect(await counting.set('c', 'k', value)).toBe(true);
    expect(await counting.set('c', 'k', value, { onlyIfAbsent: true })).toBe(false);
    expect(await counting.get('c', 'k')).toEqual(value);
    const entry = await counting.getEntry('c', 'k');
    expect(entry?.value).toEqual(value);
    expect(await counting.take('c', 'k')).toEqual(value);
    expect(await counting.take('c', 'k')).toBeUndefined();
    expect((await counting.list('c')).keys).toEqual([]);
    expect(await counting.delete('c', 'k')).toBe(false);
    const { ms, ...calls } = counting.counts();
    expect(calls).toEqual({ get: 1, getEntry: 1, set: 2, delete: 1, take: 2, list: 1 });
    expect(ms).toBeGreaterThanOrEqual(0);
    expect(counting.capabilities.name).toBe('memory');
    await counting.close();
    await expect(counting.get('c', 'k')).rejects.toThrow();
  });

  it('counts a call that fails', async () => {
    const counting = new CountingStore(new MemoryStore());
    await expect(counting.get('', 'k')).rejects.toThrow();
    expect(counting.counts().get).toBe(1);
  });
});
