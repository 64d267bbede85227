// A pair of MCP SDK 1.x authorization servers (mcpAuthRouter + requireBearerAuth on Express) behind a round-robin
// balancer, sharing one Redis: clients, codes and CIMD documents live in the store, as @oauth-store/mcp-sdk's README
// wires them. Three configurations:
// - `cimd: 'dev'`: createCimdClientsStore + advertiseCimd(), the resolver with the local-development opt-ins
//   (allowHttp, allowPrivateAddresses), so a document served on loopback resolves;
// - `cimd: 'production'`: the same with the production defaults (https only, SSRF protection on);
// - `cimd: 'allow-http'`: only the allowHttp opt-in, so the SSRF protection refuses loopback documents;
// - `cimd: 'off'`: DCR only (createClientsStore), no CIMD in the metadata.
// `refetchInAuthorize` makes the provider fetch the client again in authorize() through an uncached resolver, the
// per-request fetching of servers without a shared document cache.
import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  InvalidGrantError,
  InvalidTokenError,
  type OAuthError,
  ServerError,
} from '@modelcontextprotocol/sdk/server/auth/errors.js';
import { requireBearerAuth } from '@modelcontextprotocol/sdk/server/auth/middleware/bearerAuth.js';
import type { OAuthServerProvider } from '@modelcontextprotocol/sdk/server/auth/provider.js';
import { getOAuthProtectedResourceMetadataUrl, mcpAuthRouter } from '@modelcontextprotocol/sdk/server/auth/router.js';
import { CimdClientResolver } from '@oauth-store/cimd';
import { type ByteStore, ClientStore, TransactionStore } from '@oauth-store/core';
import { advertiseCimd, createCimdClientsStore, createClientsStore } from '@oauth-store/mcp-sdk';
import { createRedisStore } from '@oauth-store/redis';
import express from 'express';
import { type Balancer, startBalancer } from '../../src/demo/balancer';

/** How the fleet treats Client ID Metadata Documents. */
export type CimdMode = 'dev' | 'production' | 'allow-http' | 'off';

/** A running fleet. */
export interface SdkCimdFleet {
  /** The MCP endpoint behind the balancer. */
  mcpUrl: string;
  close(): Promise<void>;
}

/** Options of {@link startSdkCimdFleet}. */
export interface SdkCimdFleetOptions {
  cimd: CimdMode;
  /** Instances behind the balancer. Default 2. */
  instances?: number;
  /** Offer dynamic client registration. Default true; false leaves CIMD as the only registration path. */
  dcr?: boolean;
  /**
   * A broken server: URL client ids are trusted without fetching their document (a stub resolver that returns a
   * client listing `trustedRedirectUri`), so anyone can claim any CIMD client.
   */
  trustedRedirectUri?: string;
  /** A broken provider: authorize() fails (server_error) for clients that come from documents. */
  failAuthorizeForDocuments?: boolean;
  /** Also resolve the client again, uncached, inside authorize() (a server that re-fetches per request). */
  refetchInAuthorize?: boolean;
}

function redisUrl(): string {
  const url = process.env.REDIS_URL;
  if (!url) throw new Error('REDIS_URL is not set: the jest global setup should have started redis-server');
  return url;
}

function createProvider(store: ByteStore, options: SdkCimdFleetOptions): OAuthServerProvider {
  const clients = new ClientStore(store);
  const optIns =
    options.cimd === 'dev'
      ? { allowHttp: true, allowPrivateAddresses: true }
      : options.cimd === 'allow-http'
        ? { allowHttp: true }
        : {};
  // Without `clients`, createCimdClientsStore has no registerClient, and mcpAuthRouter then offers no /register.
  const registered = options.dcr === false ? {} : { clients };
  const clientsStore =
    options.cimd === 'off'
      ? createClientsStore(clients)
      : createCimdClientsStore({
          resolver: new CimdClientResolver({ store, clients, ...optIns }),
          ...registered,
          sdk: 'v1',
        });
  const codes = new TransactionStore(store).authorizationCodes;
  const trusted = options.trustedRedirectUri;
  return {
    clientsStore: trusted
      ? {
          async getClient(clientId) {
            if (!clientId.startsWith('http')) return clientsStore.getClient(clientId);
            return { client_id: clientId, redirect_uris: [trusted], token_endpoint_auth_method: 'none' };
          },
          ...(clientsStore.registerClient ? { registerClient: clientsStore.registerClient } : {}),
        }
      : clientsStore,
    async authorize(client, params, res) {
      if (options.failAuthorizeForDocuments && client.client_id.startsWith('http')) {
        throw new ServerError('cannot authorize document clients');
      }
      if (options.refetchInAuthorize && client.client_id.startsWith('http')) {
        // A fresh resolver on a fresh prefix: nothing cached, so the document is fetched again.
        const uncached = new CimdClientResolver({
          store,
          collection: `uncached-${randomBytes(4).toString('hex')}`,
          ...optIns,
        });
        await uncached.resolveDocument(client.client_id);
      }
      const code = randomBytes(32).toString('base64url');
      await codes.issue(code, {
        clientId: client.client_id,
        redirectUri: params.redirectUri,
        codeChallenge: params.codeChallenge,
        createdAt: new Date(),
      });
      const target = new URL(params.redirectUri);
      target.searchParams.set('code', code);
      if (params.state !== undefined) target.searchParams.set('state', params.state);
      res.redirect(302, target.href);
    },
    async challengeForAuthorizationCode(client, code) {
      const grant = await codes.peek(code);
      if (!grant || grant.clientId !== client.client_id) throw new InvalidGrantError('invalid authorization code');
      return grant.codeChallenge ?? '';
    },
    async exchangeAuthorizationCode(client, code) {
      const result = await codes.consume(code);
      if (!result.ok || result.grant.clientId !== client.client_id) {
        throw new InvalidGrantError('invalid authorization code');
      }
      return { access_token: randomBytes(32).toString('base64url'), token_type: 'Bearer', expires_in: 3600 };
    },
    async exchangeRefreshToken(): Promise<never> {
      throw new InvalidGrantError('this server issues no refresh tokens');
    },
    async verifyAccessToken(): Promise<never> {
      throw new InvalidTokenError('this server accepts no tokens') as OAuthError;
    },
  };
}

function listen(app: express.Express): Promise<Server> {
  return new Promise((resolve) => {
    const server = app.listen(0, '127.0.0.1', () => resolve(server));
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

/** Starts the instances (each with its own Redis connection, as separate processes) behind one balancer. */
export async function startSdkCimdFleet(options: SdkCimdFleetOptions): Promise<SdkCimdFleet> {
  const balancer: Balancer = await startBalancer();
  const base = balancer.url;
  const mcpUrl = new URL(`${base}/mcp`);
  const keyPrefix = `doctor-cimd-${randomBytes(4).toString('hex')}:`;
  const stores: ByteStore[] = [];
  const servers: Server[] = [];
  const close = async () => {
    await Promise.all(servers.map(closeServer));
    await Promise.all(stores.map((store) => store.close()));
    await balancer.close();
  };
  try {
    for (let index = 0; index < (options.instances ?? 2); index++) {
      const store = await createRedisStore({ url: redisUrl(), keyPrefix });
      stores.push(store);
      const provider = createProvider(store, options);
      const app = express();
      if (options.cimd !== 'off') app.use(advertiseCimd());
      app.use(
        mcpAuthRouter({
          provider,
          issuerUrl: new URL(base),
          resourceServerUrl: mcpUrl,
          scopesSupported: ['mcp:tools'],
        }),
      );
      app.post(
        '/mcp',
        requireBearerAuth({ verifier: provider, resourceMetadataUrl: getOAuthProtectedResourceMetadataUrl(mcpUrl) }),
        (_req, res) => {
          res.json({ jsonrpc: '2.0', id: 1, result: {} });
        },
      );
      servers.push(await listen(app));
    }
    balancer.setBackends(servers.map((server) => (server.address() as AddressInfo).port));
    return { mcpUrl: mcpUrl.href, close };
  } catch (error) {
    await close();
    throw error;
  }
}
