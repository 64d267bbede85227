// Compile-time checks (tsc runs over the tests): the adapter is a Keyv 6 storage adapter, and Keyv 5 and 6
// instances are accepted by keyvByteStore as they are.
import { describe, expect, it } from '@jest/globals';
import { MemoryStore } from '@oauth-store/core';
import Keyv, { type KeyvStorageAdapter } from 'keyv';
import Keyv5 from 'keyv5';
import { KeyvOAuthStore, keyvByteStore } from '../src/index';

describe('types', () => {
  it('fit Keyv 5 and 6', () => {
    const adapter: KeyvStorageAdapter = new KeyvOAuthStore(new MemoryStore());
    const six = keyvByteStore(new Keyv({ store: adapter }));
    const five = keyvByteStore(new Keyv5());
    // @ts-expect-error a Map is not a Keyv: the checks above would catch a wrong shape
    keyvByteStore(new Map());
    expect(six.capabilities.atomicTake).toBe(false);
    expect(five.capabilities.atomicTake).toBe(false);
  });
});
