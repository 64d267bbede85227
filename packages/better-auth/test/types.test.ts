// Compile-time check (tsc runs over the tests) that the storage is what better-auth calls a SecondaryStorage.

import type { SecondaryStorage } from '@better-auth/core/db';
import { describe, expect, it } from '@jest/globals';
import { MemoryStore } from '@oauth-store/core';
import type { BetterAuthOptions } from 'better-auth';
import { createSecondaryStorage, type OAuthStoreSecondaryStorage } from '../src/index';

describe('types', () => {
  it('createSecondaryStorage returns a SecondaryStorage that fits BetterAuthOptions', async () => {
    const storage: SecondaryStorage = createSecondaryStorage(new MemoryStore());
    const options: BetterAuthOptions = { secondaryStorage: storage };
    // @ts-expect-error a storage without increment is not a SecondaryStorage: the check above would catch it
    const incomplete: SecondaryStorage = {
      get: storage.get,
      getAndDelete: storage.getAndDelete,
      set: storage.set,
      delete: storage.delete,
    };
    const ours: OAuthStoreSecondaryStorage = createSecondaryStorage(new MemoryStore());
    expect(await ours.increment('k', 10)).toBe(1);
    expect(options.secondaryStorage).toBe(storage);
    expect(typeof incomplete.get).toBe('function');
  });
});
