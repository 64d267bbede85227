// Compile-time checks (run by `pnpm typecheck`, which includes test/): the bridge's stores ARE the SDK's types, for the
// newest SDK 1.x in the lockfile and for the floor of both peer ranges (SDK 1.27.0 under the alias
// @modelcontextprotocol/sdk-lowest, server-legacy 2.0.0 under @modelcontextprotocol/server-legacy-lowest). The runtime
// assertions only make jest count the file; the real test is that tsc accepts (and rejects) these lines.
import { describe, expect, it } from '@jest/globals';
import type { OAuthClientProvider } from '@modelcontextprotocol/sdk/client/auth.js';
import type { OAuthRegisteredClientsStore } from '@modelcontextprotocol/sdk/server/auth/clients.js';
import type { ProxyOptions } from '@modelcontextprotocol/sdk/server/auth/providers/proxyProvider.js';
import type { OAuthClientInformationFull as SdkClient } from '@modelcontextprotocol/sdk/shared/auth.js';
import type { OAuthClientProvider as LowestClientProvider } from '@modelcontextprotocol/sdk-lowest/client/auth.js';
import type { OAuthRegisteredClientsStore as LowestClientsStore } from '@modelcontextprotocol/sdk-lowest/server/auth/clients.js';
import type { OAuthServerProvider as LowestServerProvider } from '@modelcontextprotocol/sdk-lowest/server/auth/provider.js';
import {
  type ProxyOptions as LowestProxyOptions,
  ProxyOAuthServerProvider as LowestProxyProvider,
} from '@modelcontextprotocol/sdk-lowest/server/auth/providers/proxyProvider.js';
import type { OAuthClientInformationFull as LowestSdkClient } from '@modelcontextprotocol/sdk-lowest/shared/auth.js';
import type {
  OAuthRegisteredClientsStore as LowestV2ClientsStore,
  OAuthServerProvider as LowestV2ServerProvider,
} from '@modelcontextprotocol/server-legacy-lowest/auth';
import { CimdClientResolver } from '@oauth-store/cimd';
import { ClientStore, type OAuthClientInformationFull as CoreClient, MemoryStore } from '@oauth-store/core';
import { installedVersion } from '../../../scripts/test-support/installed-version';
import {
  createCimdClientsStore,
  createClientsStore,
  createOAuthClientPersistence,
  proxyGetClient,
  withLocalRegistration,
} from '../src/index';
import { rangeFloor } from './support/sdk-lines';
import { StoreBackedProvider } from './support/store-provider';

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

// The floor of the peer ranges. core's client type is not EXACTLY 1.27.0's (it has `issuer`, which later SDKs added to
// the client information), but each is assignable to the other, which is what passing clients between them needs.
const fromLowestSdk: CoreClient = {} as LowestSdkClient;
const toLowestSdk: LowestSdkClient = {} as CoreClient;
const lowestFromCore: LowestClientsStore = new ClientStore(store);
const lowestFromFactory: LowestClientsStore = createClientsStore(store);
const lowestGetClient: LowestProxyOptions['getClient'] = proxyGetClient(store);
// withLocalRegistration takes 1.27.0's ProxyOAuthServerProvider and returns it, still an OAuthServerProvider of 1.27.0.
const lowestProxy: LowestServerProvider = withLocalRegistration(
  new LowestProxyProvider({
    endpoints: { authorizationUrl: 'http://127.0.0.1/authorize', tokenUrl: 'http://127.0.0.1/token' },
    verifyAccessToken: async (token) => ({ token, clientId: 'c', scopes: [] }),
    getClient: proxyGetClient(store),
  }),
  store,
);
// The test provider the multi-instance tests mount on 1.27.0's router (with 1.27.0's errors) is its OAuthServerProvider.
const lowestTestProvider: LowestServerProvider = new StoreBackedProvider(store);
const lowestClientProvider: LowestClientProvider = {
  ...createOAuthClientPersistence(store, { userId: 'u', serverUrl: 'http://127.0.0.1/mcp' }),
  redirectUrl: 'http://127.0.0.1/cb',
  clientMetadata: { redirect_uris: ['http://127.0.0.1/cb'] },
  redirectToAuthorization: () => {},
};
// The CIMD clients store fits both lines at their floor; so does the README example's provider shape on 2.0.0.
const cimdStore = createCimdClientsStore({ resolver: new CimdClientResolver({ store }), clients: store });
const lowestV1Cimd: LowestClientsStore = cimdStore;
const lowestV2Cimd: LowestV2ClientsStore = cimdStore;
const lowestV2Factory: LowestV2ClientsStore = createClientsStore(store);
const lowestV2Provider: Pick<LowestV2ServerProvider, 'clientsStore'> = { clientsStore: cimdStore };
// @ts-expect-error the lowest checks bite too: a store without getClient is not 1.27.0's OAuthRegisteredClientsStore.
const notALowestStore: LowestClientsStore = { registerClient: fromCore.registerClient };

describe('types', () => {
  it('the bridge values are the SDK types (checked by tsc)', () => {
    expect(sameClientType).toBe(true);
    expect(typeof fromCore.registerClient).toBe('function');
    expect(typeof fromFactory.getClient).toBe('function');
    expect(typeof getClient).toBe('function');
    expect(typeof provider.invalidateCredentials).toBe('function');
    expect(notAStore.getClient).toBeUndefined();
  });

  it('the bridge values are the types of SDK 1.27.0 and server-legacy 2.0.0, the floor of the peer ranges (by tsc)', () => {
    // The aliases tsc read those types from are the floors of the ranges.
    for (const [name, entry] of [
      ['@modelcontextprotocol/sdk', '/server/auth/router.js'],
      ['@modelcontextprotocol/server-legacy', '/auth'],
    ] as const) {
      expect(installedVersion(`${name}-lowest${entry}`, name, import.meta.url)).toBe(
        rangeFloor('peerDependencies', name),
      );
    }
    expect(fromLowestSdk).toEqual(toLowestSdk);
    for (const clients of [lowestFromCore, lowestFromFactory, lowestV1Cimd, lowestV2Cimd, lowestV2Factory]) {
      expect(typeof clients.getClient).toBe('function');
    }
    expect(typeof lowestGetClient).toBe('function');
    expect(lowestProxy).toBeInstanceOf(LowestProxyProvider);
    expect(typeof lowestProxy.clientsStore.registerClient).toBe('function');
    expect(typeof lowestTestProvider.exchangeAuthorizationCode).toBe('function');
    expect(typeof lowestClientProvider.saveTokens).toBe('function');
    expect(lowestV2Provider.clientsStore).toBe(cimdStore);
    expect(notALowestStore.getClient).toBeUndefined();
  });
});
