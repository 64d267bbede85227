// Compile-time checks (run by `pnpm typecheck`, which includes test/): this package's restated interface is exactly
// fastmcp's TokenStorage, and the storage fits OAuthProxy's and AuthProvider's `tokenStorage` options.
import { describe, expect, it } from '@jest/globals';
import { MemoryStore } from '@oauth-store/core';
import type { AuthProviderConfig, OAuthProxyConfig, TokenStorage } from 'fastmcp/auth';
import { createTokenStorage, type FastMcpTokenStorage } from '../src/index';

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;

const sameInterface: Equal<FastMcpTokenStorage, TokenStorage> = true;
const storage = createTokenStorage(new MemoryStore());
const forProxy: OAuthProxyConfig['tokenStorage'] = storage;
const forProvider: AuthProviderConfig['tokenStorage'] = storage;
// @ts-expect-error the check has teeth: an object without take's siblings is not a TokenStorage.
const notStorage: TokenStorage = { get: storage.get };

describe('types', () => {
  it('the storage is fastmcp TokenStorage (checked by tsc)', () => {
    expect(sameInterface).toBe(true);
    expect(typeof forProxy?.take).toBe('function');
    expect(forProvider).toBe(storage);
    expect(notStorage.save).toBeUndefined();
  });
});
