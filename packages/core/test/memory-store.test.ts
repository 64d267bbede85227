import { describe, expect, it } from '@jest/globals';
import { InvalidKeyError, MemoryStore, StoreClosedError, ValueTooLargeError } from '@oauth-store/core';

describe('MemoryStore edges', () => {
  it('copies values on write so later mutation of the caller buffer does not change what is stored', async () => {
    const store = new MemoryStore();
    const value = new Uint8Array([1, 2, 3]);
    await store.set('c', 'k', value);
    value[0] = 9;
    expect(await store.get('c', 'k')).toEqual(new Uint8Array([1, 2, 3]));
  });

  it('rejects a key with a lone surrogate and an oversized value with typed errors', async () => {
    const store = new MemoryStore({ maxValueBytes: 4 });
    await expect(store.get('c', '\ud800')).rejects.toBeInstanceOf(InvalidKeyError);
    await expect(store.set('c', 'k', new Uint8Array(5))).rejects.toBeInstanceOf(ValueTooLargeError);
  });

  it('rejects every call after close with the closed error', async () => {
    const store = new MemoryStore();
    await store.close();
    await expect(store.get('c', 'k')).rejects.toBeInstanceOf(StoreClosedError);
  });
});
