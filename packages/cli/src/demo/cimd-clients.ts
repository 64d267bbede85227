import type { OAuthRegisteredClientsStore } from '@modelcontextprotocol/sdk/server/auth/clients.js';
import { InvalidClientError } from '@modelcontextprotocol/sdk/server/auth/errors.js';
import type { OAuthClientInformationFull } from '@modelcontextprotocol/sdk/shared/auth.js';
import { CimdClientResolver, isCimdResolutionError } from '@oauth-store/cimd';
import type { ByteStore, ClientStore } from '@oauth-store/core';

/**
 * The SDK's client store with Client ID Metadata Documents: a `client_id` that is a URL is answered by
 * `@oauth-store/cimd`'s resolver (fetched once, validated, cached in `store`); any other id is a registered (DCR)
 * client, and DCR keeps working. A document that cannot be accepted becomes `invalid_client` with the resolver's
 * description.
 *
 * `allowLoopbackDocuments` is the demo's explicit opt-in to the resolver's local-development settings: its client
 * serves its document over plain HTTP on 127.0.0.1, which the SSRF protection refuses by default.
 */
export function cimdClientsStore(
  store: ByteStore,
  clients: ClientStore,
  options: { collection: string; allowLoopbackDocuments: boolean },
): OAuthRegisteredClientsStore {
  const resolver = new CimdClientResolver({
    store,
    clients,
    collection: options.collection,
    ...(options.allowLoopbackDocuments ? { allowHttp: true, allowPrivateAddresses: true } : {}),
  });
  return {
    async getClient(clientId: string): Promise<OAuthClientInformationFull | undefined> {
      try {
        return await resolver.getClient(clientId);
      } catch (error) {
        if (isCimdResolutionError(error)) throw new InvalidClientError(error.description);
        throw error;
      }
    },
    registerClient: (client) => clients.registerClient(client),
  };
}
