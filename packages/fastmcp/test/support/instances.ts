// Real fastmcp servers (FastMCP + OAuthProxy over httpStream) on loopback ports. All instances of one deployment
// share one public base URL, as behind a load balancer; the tests play the balancer and pick the instance for each
// request by rewriting the origin.
import { createServer } from 'node:net';
import type { FastMCP } from 'fastmcp';
import type { OAuthProxy, TokenStorage } from 'fastmcp/auth';
import { type Framework, NEWEST } from './frameworks';
import { type Idp, UPSTREAM_CLIENT } from './upstream-idp';

/** A running fastmcp instance. */
export interface Instance {
  /** Where this instance really listens. */
  origin: string;
  server: FastMCP;
  proxy: OAuthProxy;
  stop(): Promise<void>;
}

/** Settings every instance of a deployment shares (fastmcp's multi-instance guide). */
export interface SharedSettings {
  publicBaseUrl: string;
  jwtSigningKey: string;
  consentSigningKey: string;
}

/** A free loopback port (bind to 0, read it, release it). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

const silent = { debug() {}, error() {}, info() {}, log() {}, warn() {} };

/**
 * Starts one instance. `tokenStorage` undefined means fastmcp's default (an in-memory store per instance);
 * `encryptionKey` is passed through (false with the envelope wrapper); `framework` is the fastmcp version whose
 * FastMCP and OAuthProxy run it (default: the newest).
 */
export async function startInstance(
  idp: Idp,
  shared: SharedSettings,
  options: {
    tokenStorage?: TokenStorage;
    encryptionKey?: false | string;
    advertiseCimd?: boolean;
    framework?: Framework;
  },
): Promise<Instance> {
  const framework = options.framework ?? NEWEST;
  const proxy = new framework.OAuthProxy({
    baseUrl: shared.publicBaseUrl,
    upstreamAuthorizationEndpoint: idp.authorizationEndpoint,
    upstreamTokenEndpoint: idp.tokenEndpoint,
    upstreamClientId: UPSTREAM_CLIENT.id,
    upstreamClientSecret: UPSTREAM_CLIENT.secret,
    scopes: ['openid', 'offline_access'],
    // oidc-provider only grants offline_access (a refresh token) with an explicit consent prompt.
    extraAuthorizationParams: { prompt: 'consent' },
    jwtSigningKey: shared.jwtSigningKey,
    consentSigningKey: shared.consentSigningKey,
    allowPlainPkce: false,
    ...(options.tokenStorage ? { tokenStorage: options.tokenStorage } : {}),
    ...(options.encryptionKey !== undefined ? { encryptionKey: options.encryptionKey } : {}),
  });
  const server = new framework.FastMCP({
    name: 'oauth-store fastmcp test',
    version: '1.0.0',
    logger: silent,
    oauth: {
      enabled: true,
      // CIMD resolved by the storage (enableCimd stays false, so fastmcp never fetches documents itself): advertise it.
      authorizationServer: {
        ...proxy.getAuthorizationServerMetadata(),
        ...(options.advertiseCimd ? { clientIdMetadataDocumentSupported: true } : {}),
      },
      proxy,
    },
  });
  // A port found free a moment ago can be taken in between; try a few.
  for (let attempt = 0; ; attempt++) {
    const port = await freePort();
    try {
      await server.start({ transportType: 'httpStream', httpStream: { port, host: '127.0.0.1' } });
      return {
        origin: `http://127.0.0.1:${port}`,
        server,
        proxy,
        stop: async () => {
          await server.stop();
          proxy.destroy();
        },
      };
    } catch (error) {
      if (attempt >= 3 || (error as NodeJS.ErrnoException).code !== 'EADDRINUSE') {
        proxy.destroy();
        throw error;
      }
    }
  }
}

/** The same URL, sent to `instance` (what a load balancer does). */
export function via(instance: Instance, url: string | URL): URL {
  const target = new URL(url);
  const origin = new URL(instance.origin);
  target.protocol = origin.protocol;
  target.host = origin.host;
  return target;
}
