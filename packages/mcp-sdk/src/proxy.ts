import type { OAuthRegisteredClientsStore } from '@modelcontextprotocol/sdk/server/auth/clients.js';
import type { OAuthServerProvider } from '@modelcontextprotocol/sdk/server/auth/provider.js';
import type { OAuthClientInformationFull } from '@modelcontextprotocol/sdk/shared/auth.js';
import type { ClientStore, ClientStoreOptions } from '@oauth-store/core';
import { type ClientsSource, toClientStore } from './clients-store';

/** The `getClient` option of the SDK's `ProxyOAuthServerProvider`. */
export type ProxyGetClient = (clientId: string) => Promise<OAuthClientInformationFull | undefined>;

// Which ClientStore a proxyGetClient function reads, so withLocalRegistration can skip a second lookup of the same
// store when the provider's own getClient already is that function.
const readsFrom = new WeakMap<ProxyGetClient, ClientStore>();

/**
 * A `getClient` for the SDK's `ProxyOAuthServerProvider`, which stores nothing itself: clients are looked up in the
 * shared store (registered there by {@link withLocalRegistration}, an admin tool, or another instance).
 *
 * @example
 * new ProxyOAuthServerProvider({ endpoints, verifyAccessToken, getClient: proxyGetClient(clients) })
 */
export function proxyGetClient(store: ClientsSource, options?: ClientStoreOptions): ProxyGetClient {
  const clients = toClientStore(store, options);
  const getClient: ProxyGetClient = (clientId) => clients.getClient(clientId);
  readsFrom.set(getClient, clients);
  return getClient;
}

/**
 * Adds local Dynamic Client Registration to an OAuth server provider, typically the SDK's `ProxyOAuthServerProvider`
 * (which otherwise forwards `/register` upstream or has none): `registerClient` stores the client in the shared store,
 * and `getClient` reads the shared store first, then falls back to the provider's own `getClient` (for clients known
 * only upstream; skipped when that already is {@link proxyGetClient} over the same ClientStore). Authorization and
 * token requests are still forwarded upstream by the provider, with the client's id and secret as registered here,
 * so the upstream must accept them (for example because it reads the same store).
 *
 * The provider is changed in place (an own `clientsStore` property shadows the class getter) and returned.
 */
export function withLocalRegistration<P extends OAuthServerProvider>(
  provider: P,
  store: ClientsSource,
  options?: ClientStoreOptions,
): P {
  const clients = toClientStore(store, options);
  // Read once: the SDK's ProxyOAuthServerProvider builds a new object on every access of its getter.
  const original = provider.clientsStore;
  const fallback =
    readsFrom.get(original.getClient as ProxyGetClient) === clients ? undefined : original.getClient.bind(original);
  const clientsStore: OAuthRegisteredClientsStore = {
    getClient: async (clientId) => (await clients.getClient(clientId)) ?? (await fallback?.(clientId)),
    registerClient: (client) => clients.registerClient(client),
  };
  Object.defineProperty(provider, 'clientsStore', { value: clientsStore, configurable: true, enumerable: false });
  return provider;
}
