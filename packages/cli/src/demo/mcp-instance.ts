import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { requireBearerAuth } from '@modelcontextprotocol/sdk/server/auth/middleware/bearerAuth.js';
import {
  createOAuthMetadata,
  getOAuthProtectedResourceMetadataUrl,
  mcpAuthRouter,
} from '@modelcontextprotocol/sdk/server/auth/router.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { type ByteStore, ClientStore, MemoryStore, TransactionStore } from '@oauth-store/core';
import { fileKeySource, withEnvelopeEncryption } from '@oauth-store/envelope';
import { RefreshTokenFamilies, SigningKeyring } from '@oauth-store/tokens';
import express from 'express';
import { openStore } from '../connection-string';
import { cimdClientsStore } from './cimd-clients';
import { CountingStore, type RoundTripCounts } from './counting-store';
import { ACCESS_TOKEN_TTL_MS, type RefreshGrant, StoreBackedOAuthProxy, type UpstreamConfig } from './proxy-provider';

/** Everything one MCP server instance needs; plain JSON so a parent process can hand it to a child. */
export interface McpInstanceConfig {
  /** Shown by the `whoami` tool, to see which instance answered. */
  instanceId: string;
  /** The public base URL (the balancer), which is the issuer and the resource's origin. */
  publicUrl: string;
  /** `memory:` (per-instance, the framework default) or a shared store's connection string. */
  store: string;
  /** Key file for envelope encryption of a shared store (base64 key, as `oauth-store keys generate` writes). */
  keyFile?: string;
  /** Prefix of every collection name, so a demo run never touches other data in a shared store. */
  collectionPrefix: string;
  /**
   * Where the access-token signing keys live: `per-instance` (a key generated in each process's memory, what a
   * random JWT secret per process amounts to) or `shared` (one keyring in the shared store, generated once).
   */
  signingKeys: 'per-instance' | 'shared';
  /**
   * Accept Client ID Metadata Documents (a URL as client_id) besides DCR clients. `allowLoopbackDocuments` turns on
   * the resolver's local-development opt-ins (HTTP, loopback addresses), for the demo's document host on 127.0.0.1.
   */
  cimd?: { allowLoopbackDocuments: boolean };
  upstream: UpstreamConfig;
}

/** A running instance. */
export interface McpInstance {
  port: number;
  /** Calls this instance made to its backend since it started (below the envelope: real round trips). */
  roundTrips(): RoundTripCounts;
  close(): Promise<void>;
}

/** Collection-name prefix of the token stores (refresh-token families, signing keys) under the demo's prefix. */
export function tokensPrefix(collectionPrefix: string): string {
  return `${collectionPrefix}tokens:`;
}

async function openInstanceStore(config: McpInstanceConfig, counting: (store: ByteStore) => ByteStore) {
  const store = counting(await openStore(config.store));
  try {
    // Fail at start-up, with the adapter's typed message, rather than answer every request with a server error.
    await store.get(`${config.collectionPrefix}clients`, 'start-up-probe');
  } catch (error) {
    await store.close().catch(() => {});
    throw error;
  }
  if (!config.keyFile) return store;
  const encrypted = withEnvelopeEncryption(store, {
    keySource: fileKeySource({ path: config.keyFile, encoding: 'base64' }),
    refreshIntervalMs: 0,
  });
  await encrypted.ready();
  return encrypted;
}

function whoamiServer(instanceId: string): McpServer {
  const server = new McpServer({ name: 'oauth-store-demo', version: '0.1.0' });
  server.registerTool(
    'whoami',
    { description: 'Who the access token belongs to, and which instance answered.' },
    (extra) => ({
      content: [
        {
          type: 'text',
          text: JSON.stringify({
            subject: extra.authInfo?.extra?.subject,
            clientId: extra.authInfo?.clientId,
            instanceId,
          }),
        },
      ],
    }),
  );
  return server;
}

/**
 * Starts one MCP server with an OAuth proxy (see {@link StoreBackedOAuthProxy}): the SDK's `mcpAuthRouter` (DCR,
 * authorize, token, revoke, RFC 8414 and RFC 9728 metadata), the upstream callback, and one tool behind
 * `requireBearerAuth` on stateless Streamable HTTP, so any instance can answer any request.
 */
export async function startMcpInstance(config: McpInstanceConfig): Promise<McpInstance> {
  let counter: CountingStore | undefined;
  const store = await openInstanceStore(config, (raw) => {
    counter = new CountingStore(raw);
    return counter;
  });
  const prefix = config.collectionPrefix;
  const issuerUrl = new URL(`${config.publicUrl}/`);
  const resourceUrl = new URL(`${config.publicUrl}/mcp`);
  const clients = new ClientStore(store, { collection: `${prefix}clients` });
  const flow = new TransactionStore(store, { prefix });
  const refreshTokens = new RefreshTokenFamilies<RefreshGrant>(store, { prefix: tokensPrefix(prefix) });
  const keyring = new SigningKeyring({
    // Per-instance keys: each process generates its own, so a token verifies only where it was signed.
    store: config.signingKeys === 'per-instance' ? new MemoryStore({}) : store,
    prefix: tokensPrefix(prefix),
    algorithm: 'ES256',
    maxTokenLifetimeMs: ACCESS_TOKEN_TTL_MS,
  });
  // Load (or, on the first instance, create) the keyring at start-up, not on the first login.
  await keyring.publicJwks();
  const provider = new StoreBackedOAuthProxy({
    clients: config.cimd
      ? cimdClientsStore(store, clients, {
          collection: `${prefix}cimd`,
          allowLoopbackDocuments: config.cimd.allowLoopbackDocuments,
        })
      : clients,
    flow,
    refreshTokens,
    keyring,
    upstream: config.upstream,
    issuer: issuerUrl.href,
    audience: resourceUrl.href,
  });

  const app = express();
  // The demo drives thousands of requests from one address; the SDK's per-IP rate limits would only add noise.
  const noLimit = { rateLimit: false as const };
  if (config.cimd) {
    // RFC 8414 metadata as the SDK builds it, plus the CIMD flag clients look for (the SDK's router does not set it).
    const metadata = {
      ...createOAuthMetadata({ provider, issuerUrl }),
      client_id_metadata_document_supported: true,
    };
    app.get('/.well-known/oauth-authorization-server', (_req, res) => {
      res.json(metadata);
    });
  }
  app.use(
    mcpAuthRouter({
      provider,
      issuerUrl,
      resourceServerUrl: resourceUrl,
      resourceName: 'oauth-store demo',
      authorizationOptions: noLimit,
      tokenOptions: noLimit,
      clientRegistrationOptions: noLimit,
      revocationOptions: noLimit,
    }),
  );
  app.get('/oauth/callback', (req, res, next) => {
    provider.callback(req, res).catch(next);
  });
  const bearer = requireBearerAuth({
    verifier: provider,
    resourceMetadataUrl: getOAuthProtectedResourceMetadataUrl(resourceUrl),
  });
  app.post('/mcp', bearer, express.json(), async (req, res) => {
    const server = whoamiServer(config.instanceId);
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
    res.on('close', () => {
      void transport.close();
      void server.close();
    });
    await server.connect(transport);
    await transport.handleRequest(req, res, req.body);
  });
  // Stateless server: no standalone SSE stream and no sessions to delete.
  app.all('/mcp', bearer, (_req, res) => {
    res
      .status(405)
      .set('allow', 'POST')
      .json({ jsonrpc: '2.0', error: { code: -32000, message: 'Method not allowed.' }, id: null });
  });
  app.use((error: unknown, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
    if (!res.headersSent) res.status(500).json({ error: 'server_error', error_description: 'Internal Server Error' });
    void error;
  });

  const server: Server = await new Promise((resolve, reject) => {
    const listening = app.listen(0, '127.0.0.1', (error?: Error) => (error ? reject(error) : resolve(listening)));
  });
  return {
    port: (server.address() as AddressInfo).port,
    roundTrips: () => (counter as CountingStore).counts(),
    close: async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await store.close();
    },
  };
}
