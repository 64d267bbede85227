// Real fastmcp 4.x servers (FastMCP + OAuthProxy on httpStream, in this process) in front of a real oidc-provider,
// behind the demo's round-robin balancer: one public URL, as users deploy them. Each setting that must be the same on
// every instance (storage, encryption key, JWT signing key) can be per-instance instead, as fastmcp's defaults are.
import { randomBytes, randomUUID } from 'node:crypto';
import { CimdClientResolver } from '@oauth-store/cimd';
import type { ByteStore } from '@oauth-store/core';
import { createTokenStorage } from '@oauth-store/fastmcp';
import { createRedisStore } from '@oauth-store/redis';
import { FastMCP } from 'fastmcp';
import { OAuthProxy } from 'fastmcp/auth';
import { type Balancer, startBalancer } from '../../src/demo/balancer';
import { freePort } from './free-port';
import { type OidcUpstream, startOidcUpstream } from './oidc-upstream';

/** How the instances of one fleet are configured. */
export interface FastMcpFleetOptions {
  instances: number;
  /** `memory`: fastmcp's default MemoryTokenStorage per instance; `redis`: one shared Redis through the bridge. */
  storage: 'memory' | 'redis';
  /** `per-instance`: fastmcp's default (a random key per process); `shared`: one configured key. */
  encryptionKey: 'per-instance' | 'shared';
  /** `per-instance`: fastmcp's default (a random key per process); `shared`: one configured key. */
  jwtSigningKey: 'per-instance' | 'shared';
  /**
   * Resolve CIMD clients through the shared store, as @oauth-store/fastmcp's README wires it: the storage with a
   * `CimdClientResolver` (local-development opt-ins, so a loopback document resolves), `enableCimd: false`,
   * `clientIdMetadataDocumentSupported: true` in the metadata. Needs `storage: 'redis'`; fastmcp's own encryption is
   * off (`encryptionKey` is ignored), since the storage answers document clients in clear.
   */
  cimd?: boolean;
}

/** A running fleet. */
export interface FastMcpFleet {
  /** The MCP endpoint behind the balancer. */
  mcpUrl: string;
  close(): Promise<void>;
}

const silent = { debug() {}, error() {}, info() {}, log() {}, warn() {} };
const secret = () => randomBytes(32).toString('base64url');

/** Starts `server` on a free loopback port; a port found free can be taken in between, so a few tries. */
async function startOnFreePort(server: FastMCP): Promise<number> {
  for (let attempt = 0; ; attempt++) {
    const port = await freePort();
    try {
      await server.start({ transportType: 'httpStream', httpStream: { port, host: '127.0.0.1' } });
      return port;
    } catch (error) {
      if (attempt >= 3 || (error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
    }
  }
}

/** Starts the identity provider, the balancer and `instances` fastmcp servers configured as `options` says. */
export async function startFastMcpFleet(options: FastMcpFleetOptions): Promise<FastMcpFleet> {
  const balancer: Balancer = await startBalancer();
  const publicUrl = balancer.url;
  const upstream: OidcUpstream = await startOidcUpstream(`${publicUrl}/oauth/callback`);
  const shared = { encryptionKey: secret(), jwtSigningKey: secret(), consentSigningKey: secret() };
  const keyPrefix = `doctor-fastmcp-${randomUUID()}:`;
  const stores: ByteStore[] = [];
  const servers: { stop(): Promise<void> }[] = [];
  const ports: number[] = [];
  try {
    for (let index = 0; index < options.instances; index++) {
      let tokenStorage: ReturnType<typeof createTokenStorage> | undefined;
      if (options.storage === 'redis') {
        // Its own connection per instance, as separate processes would have.
        const store = await createRedisStore({ url: process.env.REDIS_URL as string, keyPrefix });
        stores.push(store);
        tokenStorage = createTokenStorage(
          store,
          options.cimd
            ? { cimd: new CimdClientResolver({ store, allowHttp: true, allowPrivateAddresses: true }) }
            : undefined,
        );
      }
      const proxy = new OAuthProxy({
        baseUrl: publicUrl,
        upstreamAuthorizationEndpoint: upstream.authorizationEndpoint,
        upstreamTokenEndpoint: upstream.tokenEndpoint,
        upstreamClientId: upstream.client.id,
        upstreamClientSecret: upstream.client.secret,
        scopes: ['openid'],
        consentSigningKey: shared.consentSigningKey,
        allowPlainPkce: false,
        ...(options.jwtSigningKey === 'shared' ? { jwtSigningKey: shared.jwtSigningKey } : {}),
        ...(options.cimd
          ? { encryptionKey: false as const, enableCimd: false }
          : options.encryptionKey === 'shared'
            ? { encryptionKey: shared.encryptionKey }
            : {}),
        ...(tokenStorage ? { tokenStorage } : {}),
      });
      const server = new FastMCP({
        name: 'doctor fastmcp fixture',
        version: '1.0.0',
        logger: silent,
        oauth: {
          enabled: true,
          authorizationServer: {
            ...proxy.getAuthorizationServerMetadata(),
            ...(options.cimd ? { clientIdMetadataDocumentSupported: true } : {}),
          },
          proxy,
          protectedResource: { resource: publicUrl, authorizationServers: [publicUrl], scopesSupported: ['openid'] },
        },
        // What fastmcp's guide does with an OAuthProxy: a request is authenticated when its bearer token is one the
        // proxy issued (it verifies the JWT with its signing key, then finds the upstream tokens in its storage).
        authenticate: async (request) => {
          const header = request?.headers.authorization ?? '';
          const token = header.startsWith('Bearer ') ? header.slice(7) : undefined;
          const upstreamTokens = token ? await proxy.loadUpstreamTokens(token) : null;
          return upstreamTokens ? { subject: 'signed-in' } : undefined;
        },
      });
      ports.push(await startOnFreePort(server));
      servers.push({
        stop: async () => {
          await server.stop();
          proxy.destroy();
        },
      });
    }
  } catch (error) {
    await Promise.allSettled(servers.map((server) => server.stop()));
    await Promise.allSettled(stores.map((store) => store.close()));
    await Promise.allSettled([upstream.close(), balancer.close()]);
    throw error;
  }
  balancer.setBackends(ports);
  return {
    mcpUrl: `${publicUrl}/mcp`,
    close: async () => {
      await Promise.allSettled(servers.map((server) => server.stop()));
      await Promise.allSettled(stores.map((store) => store.close()));
      await Promise.allSettled([upstream.close(), balancer.close()]);
    },
  };
}
