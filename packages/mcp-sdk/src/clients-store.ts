import type { OAuthRegisteredClientsStore } from '@modelcontextprotocol/sdk/server/auth/clients.js';
import { type ByteStore, ClientStore, type ClientStoreOptions } from '@oauth-store/core';

/**
 * The clients store {@link createClientsStore} returns: core's {@link ClientStore} (with RFC 7592 update, delete and
 * list), typed so it is also the SDK's `OAuthRegisteredClientsStore` that `mcpAuthRouter` takes.
 */
export type McpClientsStore = ClientStore & OAuthRegisteredClientsStore;

/** A store of registered clients, or the ByteStore to keep them in. */
export type ClientsSource = ByteStore | ClientStore;

/**
 * Returns `source` when it already is a {@link ClientStore}, else a new one on the ByteStore. Several helpers take
 * either, so one ClientStore (with its options) can be shared by the router, the proxy and admin code.
 */
export function toClientStore(source: ClientsSource, options?: ClientStoreOptions): ClientStore {
  // Duck-typed rather than instanceof, so a ClientStore from another copy of @oauth-store/core (ESM next to CJS, or
  // two versions) is still reused rather than mistaken for a ByteStore.
  return isClientStore(source) ? source : new ClientStore(source, options);
}

function isClientStore(source: ClientsSource): source is ClientStore {
  const candidate = source as Partial<ClientStore>;
  return typeof candidate.getClient === 'function' && typeof candidate.registerClient === 'function';
}

/**
 * The clients store to hand to `mcpAuthRouter` (as the provider's `clientsStore`): registered clients live in the
 * shared store, so a client registered (DCR) on one instance is known to `/authorize` and `/token` on every other.
 *
 * Every field the SDK's registration handler passes (including the generated `client_id`, `client_id_issued_at`,
 * `client_secret` and `client_secret_expires_at`) is persisted and returned as registered: the SDK compares the secret
 * in plaintext and checks its expiry itself, so expired secrets are kept, as its `OAuthRegisteredClientsStore`
 * contract asks. Wrap the ByteStore with `@oauth-store/envelope` to encrypt secrets at rest.
 *
 * @param store - A shared ByteStore (Redis, PostgreSQL, ...), or an existing ClientStore to reuse.
 * @param options - ClientStore options (collection name, `unusedClientTtlMs`, id generation); ignored when `store`
 *   is already a ClientStore.
 */
export function createClientsStore(store: ClientsSource, options?: ClientStoreOptions): McpClientsStore {
  return toClientStore(store, options);
}
