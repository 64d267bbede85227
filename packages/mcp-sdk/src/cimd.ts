import { ConfigurationError, isOAuthStoreError, type OAuthClientInformationFull } from '@oauth-store/core';
import { type ClientsSource, toClientStore } from './clients-store';

/**
 * Which MCP TypeScript SDK serves the authorization server: `v1` is `@modelcontextprotocol/sdk` 1.x
 * (`server/auth`), `v2` is `@modelcontextprotocol/server-legacy` 2.x (`/auth`), where SDK v2 moved `mcpAuthRouter`.
 */
export type McpSdkLine = 'v1' | 'v2';

/**
 * What the bridge needs of `@oauth-store/cimd`'s `CimdClientResolver`. Structural, so this bridge does not depend on
 * another bridge (the layering rule: bridges take any store and import only core).
 */
export interface DocumentClientResolver {
  /** True when the id is resolved as a metadata document URL. */
  isDocumentClientId(clientId: string): boolean;
  /** The validated document; rejects with a `CimdResolutionError` when it cannot be accepted. */
  resolveDocument(clientId: string): Promise<OAuthClientInformationFull>;
}

/** The brand `@oauth-store/cimd` puts on its `CimdResolutionError` (`Symbol.for`, so every copy agrees). */
const CIMD_ERROR_BRAND = Symbol.for('@oauth-store/cimd.error');

/** A refused document, as `@oauth-store/cimd` reports it: its `description` is safe to send to the client. */
function refusalDescription(error: unknown): string | undefined {
  if (!isOAuthStoreError(error) || (error as { [CIMD_ERROR_BRAND]?: unknown })[CIMD_ERROR_BRAND] !== true) {
    return undefined;
  }
  const { description } = error as { description?: unknown };
  return typeof description === 'string' ? description : 'the client metadata document could not be accepted.';
}

/** Options of {@link createCimdClientsStore}. */
export interface CimdClientsStoreOptions {
  /** Resolves metadata-document client_ids: a `CimdClientResolver` from `@oauth-store/cimd`. */
  resolver: DocumentClientResolver;
  /**
   * Registered (DCR) clients: looked up for every client_id that is not a document URL, and where `/register` stores
   * new ones. Omit to accept metadata-document clients only (no `/register` endpoint is then mounted).
   */
  clients?: ClientsSource;
  /**
   * The SDK whose `InvalidClientError` a refused document is reported with: its handlers answer `invalid_client`
   * only for their own error class (anything else becomes a 500). Default: the one installed; when both are
   * installed, `v2` (`@modelcontextprotocol/server-legacy`). Set it when both are installed and you mount v1's router.
   */
  sdk?: McpSdkLine;
}

/** The clients store {@link createCimdClientsStore} returns; structurally the SDK's `OAuthRegisteredClientsStore`. */
export interface CimdClientsStore {
  /** A registered client, a validated metadata document, or undefined; rejects with the SDK's `InvalidClientError`. */
  getClient(clientId: string): Promise<OAuthClientInformationFull | undefined>;
  /** Stores a DCR registration (present only when `clients` was given). */
  registerClient?: (
    client: Omit<OAuthClientInformationFull, 'client_id' | 'client_id_issued_at'>,
  ) => Promise<OAuthClientInformationFull>;
}

type InvalidClientErrorClass = new (message: string) => Error;

const loaded = new Map<McpSdkLine | 'auto', Promise<InvalidClientErrorClass>>();

/**
 * Loads an SDK module the way the application loaded its router: `require` in the CommonJS build (the app's CommonJS
 * copy of the SDK), `import()` in the ES module build (its ES module copy). The SDKs ship both builds, and their
 * handlers recognise only errors of their own copy's classes (the dual-package hazard).
 */
async function loadModule(id: string): Promise<{ InvalidClientError?: unknown }> {
  if (typeof module === 'object' && module !== null && typeof require === 'function') {
    return require(id) as { InvalidClientError?: unknown };
  }
  return (await import(id)) as { InvalidClientError?: unknown };
}

/** The installed SDK's `InvalidClientError`, loaded lazily (both SDKs are optional peers). */
function invalidClientError(sdk: McpSdkLine | undefined): Promise<InvalidClientErrorClass> {
  const line = sdk ?? 'auto';
  let pending = loaded.get(line);
  if (!pending) {
    const load = async (id: string) => {
      const { InvalidClientError } = await loadModule(id);
      if (typeof InvalidClientError !== 'function') throw new Error('no InvalidClientError export');
      return InvalidClientError as InvalidClientErrorClass;
    };
    const v2 = () => load('@modelcontextprotocol/server-legacy/auth');
    const v1 = () => load('@modelcontextprotocol/sdk/server/auth/errors.js');
    pending = (line === 'v1' ? v1() : line === 'v2' ? v2() : v2().catch(() => v1())).catch((error: unknown) => {
      loaded.delete(line);
      throw new ConfigurationError(
        `neither @modelcontextprotocol/server-legacy (SDK v2) nor @modelcontextprotocol/sdk (SDK v1) could be loaded${line === 'auto' ? '' : ` (asked for ${line})`}. Install the SDK whose mcpAuthRouter you use.`,
        { source: 'mcp-sdk', cause: error instanceof Error ? { name: error.name } : undefined },
      );
    });
    loaded.set(line, pending);
  }
  return pending;
}

/**
 * The clients store for `mcpAuthRouter` (SDK v1 or v2) when the server accepts Client ID Metadata Documents: a
 * `client_id` that is an `https` URL is resolved through the shared-store resolver of `@oauth-store/cimd` (fetched once
 * per fleet, validated, cached per HTTP cache headers); any other id is a registered client. A document that cannot be
 * accepted (wrong `client_id`, no `redirect_uris`, refused address, host down past the stale bound...) is answered
 * `invalid_client` with the resolver's description as `error_description`. The SDK itself then checks the request's
 * `redirect_uri` against the document's `redirect_uris`.
 *
 * @example
 * const clients = new ClientStore(store);
 * const resolver = new CimdClientResolver({ store, clients });
 * provider.clientsStore = createCimdClientsStore({ resolver, clients });
 */
export function createCimdClientsStore(options: CimdClientsStoreOptions): CimdClientsStore {
  if (!options || typeof options !== 'object' || typeof options.resolver?.resolveDocument !== 'function') {
    throw new ConfigurationError('createCimdClientsStore needs { resolver: new CimdClientResolver(...) }.', {
      source: 'mcp-sdk',
    });
  }
  const { resolver, sdk } = options;
  const clients = options.clients ? toClientStore(options.clients) : undefined;
  const store: CimdClientsStore = {
    async getClient(clientId) {
      // A client_id that is not a string names no client; the resolver (possibly a user's own) is not asked.
      if (typeof clientId !== 'string') return undefined;
      if (!resolver.isDocumentClientId(clientId)) return clients?.getClient(clientId);
      try {
        return await resolver.resolveDocument(clientId);
      } catch (error) {
        const description = refusalDescription(error);
        if (description === undefined) throw error;
        const InvalidClientError = await invalidClientError(sdk);
        throw new InvalidClientError(description);
      }
    },
  };
  if (clients) store.registerClient = (client) => clients.registerClient(client);
  return store;
}

/** The shapes of Express's request and response this middleware touches (Express 4 and 5). */
interface MinimalRequest {
  method: string;
  path?: string;
  url?: string;
}
interface MinimalResponse {
  json(body: unknown): unknown;
}

/**
 * Express middleware that adds `client_id_metadata_document_supported: true` to the authorization-server metadata
 * (`/.well-known/oauth-authorization-server`) the SDK's `mcpAuthRouter` serves: neither SDK line has an option for it,
 * and MCP clients only send a URL as `client_id` when the server advertises it. Mount it before the router.
 *
 * @example
 * app.use(advertiseCimd());
 * app.use(mcpAuthRouter({ provider, issuerUrl }));
 */
export function advertiseCimd(): (req: MinimalRequest, res: MinimalResponse, next: () => void) => void {
  return (req, res, next) => {
    const path = req.path ?? new URL(req.url ?? '/', 'http://localhost').pathname;
    if (
      (req.method === 'GET' || req.method === 'HEAD') &&
      /^\/\.well-known\/oauth-authorization-server(\/|$)/.test(path)
    ) {
      const json = res.json.bind(res);
      res.json = (body: unknown) =>
        json(
          body !== null && typeof body === 'object' && !Array.isArray(body)
            ? { ...body, client_id_metadata_document_supported: true }
            : body,
        );
    }
    next();
  };
}
