// An MCP server built the way the SDK's examples build one (mcpAuthRouter + requireBearerAuth on Express, the
// example's in-memory provider), whose provider also checks redirect_uri against a fixed allowlist of web
// callbacks, the way a team adds "only our app may log in": loopback redirects of desktop MCP clients are refused
// from `authorize()`, which the SDK turns into a redirect back with error=invalid_request.
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DemoInMemoryAuthProvider } from '@modelcontextprotocol/sdk/examples/server/demoInMemoryOAuthProvider.js';
import { InvalidGrantError, InvalidRequestError } from '@modelcontextprotocol/sdk/server/auth/errors.js';
import { requireBearerAuth } from '@modelcontextprotocol/sdk/server/auth/middleware/bearerAuth.js';
import type { AuthorizationParams } from '@modelcontextprotocol/sdk/server/auth/provider.js';
import { getOAuthProtectedResourceMetadataUrl, mcpAuthRouter } from '@modelcontextprotocol/sdk/server/auth/router.js';
import type { OAuthClientInformationFull } from '@modelcontextprotocol/sdk/shared/auth.js';
import express, { type Response } from 'express';

/** The only redirect URIs the allowlist lets through. */
export const ALLOWED_REDIRECTS = ['https://app.example.com/oauth/callback'];

class AllowlistProvider extends DemoInMemoryAuthProvider {
  override async authorize(client: OAuthClientInformationFull, params: AuthorizationParams, res: Response) {
    if (!ALLOWED_REDIRECTS.includes(params.redirectUri)) {
      throw new InvalidRequestError('redirect_uri not in allowlist');
    }
    return super.authorize(client, params, res);
  }
  // RFC 6749's answer for an unknown code (the example throws a plain Error, a 500), so this fixture shows one
  // finding only.
  override async challengeForAuthorizationCode(client: OAuthClientInformationFull, code: string) {
    try {
      return await super.challengeForAuthorizationCode(client, code);
    } catch {
      throw new InvalidGrantError('Invalid authorization code');
    }
  }
}

/** A running server. */
export interface AllowlistServer {
  mcpUrl: string;
  close(): Promise<void>;
}

/** Starts the server on a loopback port (authorization server and MCP endpoint on one origin). */
export async function startAllowlistServer(): Promise<AllowlistServer> {
  const app = express();
  const server: Server = await new Promise((resolve) => {
    const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
  });
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const mcpUrl = new URL(`${base}/mcp`);
  const provider = new AllowlistProvider();
  app.use(
    mcpAuthRouter({ provider, issuerUrl: new URL(base), resourceServerUrl: mcpUrl, scopesSupported: ['mcp:tools'] }),
  );
  app.post(
    '/mcp',
    requireBearerAuth({ verifier: provider, resourceMetadataUrl: getOAuthProtectedResourceMetadataUrl(mcpUrl) }),
    (_req, res) => {
      res.json({ jsonrpc: '2.0', id: 1, result: {} });
    },
  );
  return {
    mcpUrl: mcpUrl.href,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
