import { describe, expect, it } from '@jest/globals';
import { isOAuthStoreError } from '@oauth-store/core';
import {
  countingStore,
  expectTypedOutcome,
  fuzzBridge,
  IMPOSSIBLE_IDS,
} from '../../../scripts/test-support/fuzz-bridge';
import { createTokenStorage } from '../src/index';

describe('fuzz: every TokenStorage method answers a value or a typed error, and writes nothing on error', () => {
  it('get, save, take, delete, cleanup', async () => {
    await fuzzBridge(async (inputs, store, writes) => {
      const [key, value, ttl] = inputs;
      const storage = createTokenStorage(store);
      await expectTypedOutcome(() => storage.save(key as never, value, ttl as never), writes, inputs);
      await expectTypedOutcome(() => storage.get(key as never), writes, inputs);
      await expectTypedOutcome(() => storage.take?.(key as never), writes, inputs);
      await expectTypedOutcome(() => storage.delete(key as never), writes, inputs);
      await expectTypedOutcome(() => storage.cleanup(), writes, inputs);
    });
  });

  it('keys no entry can have (as fastmcp builds them from request values) are not found, and refused on save', async () => {
    const { store, writes } = countingStore();
    const storage = createTokenStorage(store);
    const keys = IMPOSSIBLE_IDS.flatMap((id) => (typeof id === 'string' ? [id, `client:${id}`, `code:${id}`] : [id]));
    for (const key of keys) {
      await expect(storage.get(key as never)).resolves.toBeNull();
      await expect(storage.take(key as never)).resolves.toBeNull();
      await expect(storage.delete(key as never)).resolves.toBeUndefined();
      // 'client:' and 'code:' with an empty id are ordinary (unprefixed) keys that can be saved.
      if (key === 'client:' || key === 'code:') continue;
      const error = await storage.save(key as never, { a: 1 }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(isOAuthStoreError(error, 'invalid_key')).toBe(true);
    }
    expect(writes()).toBe(0);
  });
});
