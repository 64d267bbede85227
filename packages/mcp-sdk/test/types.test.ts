// Compile-time checks (run by `pnpm typecheck`, which includes test/): the bridge's stores ARE the SDK's types.
// The runtime assertions only make jest count the file; the real test is that tsc accepts (and rejects) these lines.
import { describe, expect, it } from '@jest/globals';
import type { OAuthClientProvider } from '@modelcontextprotocol/sdk/client/auth.js';
import type { OAuthRegisteredClientsStore } from '@modelcontextprotocol/sdk/server/auth/clients.js';
import type { ProxyOptions } from '@modelcontextprotocol/sdk/server/auth/providers/proxyProvider.js';
import type { OAuthClientInformationFull as SdkClient } from '@modelcontextprotocol/sdk/shared/auth.js';
import { ClientStore, type OAuthClientInformationFull as CoreClient, MemoryStore } from '@oauth-store/core';
import { createClientsStore, createOAuthClientPersistence, proxyGetClient } from '../src/index';

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;

// core's client type is exactly the SDK's.
const sameClientType: Equal<CoreClient, SdkClient> = true;

const store = new MemoryStore();
// core's ClientStore itself, and the factory's result, are the SDK's OAuthRegisteredClientsStore.
const fromCore: OAuthRegisteredClientsStore = new ClientStore(store);
const fromFactory: OAuthRegisteredClientsStore = createClientsStore(store);
// proxyGetClient fits ProxyOAuthServerProvider's option.
const getClient: ProxyOptions['getClient'] = proxyGetClient(store);
// The persistence spreads into an OAuthClientProvider.
const provider: OAuthClientProvider = {
  ...createOAuthClientPersistence(store, { userId: 'u', serverUrl: 'http://127.0.0.1/mcp' }),
  redirectUrl: 'http://127.0.0.1/cb',
  clientMetadata: { redirect_uris: ['http://127.0.0.1/cb'] },
  redirectToAuthorization: () => {},
};
// @ts-expect-error the check has teeth: a store without getClient is not an OAuthRegisteredClientsStore.
const notAStore: OAuthRegisteredClientsStore = { registerClient: fromCore.registerClient };

describe('types', () => {
  it('the bridge values are the SDK types (checked by tsc)', () => {
    expect(sameClientType).toBe(true);
    expect(typeof fromCore.registerClient).toBe('function');
    expect(typeof fromFactory.getClient).toBe('function');
    expect(typeof getClient).toBe('function');
    expect(typeof provider.invalidateCredentials).toBe('function');
    expect(notAStore.getClient).toBeUndefined();
  });
});
