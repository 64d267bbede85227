import { describe, expect, it } from '@jest/globals';
import { isOAuthStoreError } from '@oauth-store/core';
import {
  countingStore,
  expectTypedOutcome,
  fuzzBridge,
  IMPOSSIBLE_IDS,
} from '../../../scripts/test-support/fuzz-bridge';
import { createSecondaryStorage } from '../src/index';

describe('fuzz: every SecondaryStorage method answers a value or a typed error, and writes nothing on error', () => {
  it('get, set, getAndDelete, delete, increment', async () => {
    await fuzzBridge(async (inputs, store, writes) => {
      const [key, value, ttl] = inputs;
      const storage = createSecondaryStorage(store);
      await expectTypedOutcome(() => storage.set(key as never, value as never, ttl as never), writes, inputs);
      await expectTypedOutcome(() => storage.get(key as never), writes, inputs);
      await expectTypedOutcome(() => storage.increment(key as never, ttl as never), writes, inputs);
      await expectTypedOutcome(() => storage.getAndDelete(key as never), writes, inputs);
      await expectTypedOutcome(() => storage.delete(key as never), writes, inputs);
    });
  });

  it('keys no entry can have are not found by get and getAndDelete, ignored by delete, refused (typed) by writes', async () => {
    const { store, writes } = countingStore();
    const storage = createSecondaryStorage(store);
    for (const key of IMPOSSIBLE_IDS) {
      await expect(storage.get(key as never)).resolves.toBeNull();
      await expect(storage.getAndDelete(key as never)).resolves.toBeNull();
      await expect(storage.delete(key as never)).resolves.toBeUndefined();
      const attempts: (() => Promise<unknown>)[] = [
        () => storage.set(key as never, 'v'),
        () => storage.increment(key as never, 60),
      ];
      for (const write of attempts) {
        const error = await Promise.resolve()
          .then(write)
          .then(
            () => undefined,
            (e: unknown) => e,
          );
        expect(isOAuthStoreError(error, 'invalid_key')).toBe(true);
      }
    }
    expect(writes()).toBe(0);
  });

  it('a value get could not return as given (a lone surrogate) is refused, not silently changed', async () => {
    const { store, writes } = countingStore();
    const storage = createSecondaryStorage(store);
    const error = await storage.set('k', 'a\uD800b').then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isOAuthStoreError(error, 'invalid_value')).toBe(true);
    expect(writes()).toBe(0);
    await storage.set('k', 'a\u{1F600}b');
    await expect(storage.get('k')).resolves.toBe('a\u{1F600}b');
  });
});
