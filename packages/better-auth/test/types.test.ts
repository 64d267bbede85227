// Compile-time check (tsc runs over the tests) that the storage is what better-auth calls a SecondaryStorage, for the
// devDependency (the newest better-auth and @better-auth/core in the lockfile) and for better-auth 1.3.18, which pins
// @better-auth/core 1.3.18, the floor of the peer range. That core is an empty package (its index is `export {}`):
// 1.3.x declares SecondaryStorage and BetterAuthOptions in better-auth itself, so they are imported from the alias.
import { readFileSync } from 'node:fs';
import type { SecondaryStorage } from '@better-auth/core/db';
import { describe, expect, it } from '@jest/globals';
import { MemoryStore } from '@oauth-store/core';
import type { BetterAuthOptions } from 'better-auth';
import type {
  BetterAuthOptions as LowestBetterAuthOptions,
  SecondaryStorage as LowestSecondaryStorage,
} from 'better-auth-lowest';
import { installedVersion } from '../../../scripts/test-support/installed-version';
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

  it('it is also a SecondaryStorage of better-auth 1.3.18 and fits its BetterAuthOptions (the floor of the range)', () => {
    // The types above come from the alias, which is the floor of the @better-auth/core peer range (1.3.18), as is the
    // @better-auth/core it pins.
    const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
      peerDependencies: Record<string, string>;
    };
    const floor = manifest.peerDependencies['@better-auth/core']?.replace(/^\^/, '');
    expect(installedVersion('better-auth-lowest', 'better-auth', import.meta.url)).toBe(floor);
    expect(installedVersion('@better-auth/core-lowest', '@better-auth/core', import.meta.url)).toBe(floor);
    const storage = createSecondaryStorage(new MemoryStore());
    const lowest: LowestSecondaryStorage = storage;
    const options: LowestBetterAuthOptions = { secondaryStorage: storage };
    // 1.3.18's SecondaryStorage is get, set and delete (it never calls getAndDelete or increment), so the teeth are a
    // missing delete.
    // @ts-expect-error a storage without delete is not 1.3.18's SecondaryStorage
    const incomplete: LowestSecondaryStorage = { get: storage.get, set: storage.set };
    expect(options.secondaryStorage).toBe(lowest);
    expect(incomplete.delete).toBeUndefined();
  });
});
