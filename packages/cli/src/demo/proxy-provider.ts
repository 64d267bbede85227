import { createHash, randomBytes } from 'node:crypto';
import type { OAuthRegisteredClientsStore } from '@modelcontextprotocol/sdk/server/auth/clients.js';
import {
  InvalidGrantError,
  InvalidRequestError,
  InvalidTokenError,
  ServerError,
} from '@modelcontextprotocol/sdk/server/auth/errors.js';
import type { AuthorizationParams, OAuthServerProvider } from '@modelcontextprotocol/sdk/server/auth/provider.js';
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import type { OAuthClientInformationFull, OAuthTokens } from '@modelcontextprotocol/sdk/shared/auth.js';
import type { ClientStore, TransactionStore } from '@oauth-store/core';
import type { Request, Response } from 'express';
import type { UpstreamClient } from './upstream-idp';

const ACCESS_TOKEN_TTL_S = 3600;
const REFRESH_TOKEN_TTL_S = 30 * 24 * 3600;

/** Where the upstream identity provider is and how the proxy is registered with it. */
export interface UpstreamConfig extends UpstreamClient {
  authorizationEndpoint: string;
  tokenEndpoint: string;
}

/** Codes and tokens are secrets: the store only ever sees their SHA-256 as the key. */
function keyOf(secret: string): string {
  return createHash('sha256').update(secret).digest('base64url');
}

function randomToken(): string {
  return randomBytes(32).toString('base64url');
}

function subjectOf(idToken: unknown): string | undefined {
  if (typeof idToken !== 'string') return undefined;
  try {
    // The ID token came straight from the upstream token endpoint over a direct connection (OIDC Core 3.1.3.7).
    const payload = JSON.parse(Buffer.from(idToken.split('.')[1] ?? '', 'base64url').toString('utf8'));
    return typeof payload.sub === 'string' ? payload.sub : undefined;
  } catch {
    return undefined;
  }
}

/**
 * An MCP authorization server that proxies to an upstream identity provider without dynamic client registration
 * (like GitHub): MCP clients register with the proxy (DCR), the proxy sends users to the upstream IdP as its one
 * pre-registered client, and issues its own codes and tokens. Everything it remembers between requests lives in the
 * given {@link ClientStore} and {@link TransactionStore}, so any number of instances can share it.
 */
export class StoreBackedOAuthProxy implements OAuthServerProvider {
  readonly #clients: ClientStore;
  readonly #flow: TransactionStore;
  readonly #upstream: UpstreamConfig;

  constructor(clients: ClientStore, flow: TransactionStore, upstream: UpstreamConfig) {
    this.#clients = clients;
    this.#flow = flow;
    this.#upstream = upstream;
  }

  /** The registered clients (core's ClientStore satisfies the SDK's interface). */
  get clientsStore(): OAuthRegisteredClientsStore {
    return this.#clients;
  }

  /** Remembers the request as a transaction and sends the user to the upstream IdP. */
  async authorize(client: OAuthClientInformationFull, params: AuthorizationParams, res: Response): Promise<void> {
    const transactionId = randomToken();
    const upstreamVerifier = randomToken();
    await this.#flow.transactions.put(transactionId, {
      clientId: client.client_id,
      redirectUri: params.redirectUri,
      codeChallenge: params.codeChallenge,
      codeChallengeMethod: 'S256',
      ...(params.state !== undefined ? { state: params.state } : {}),
      scopes: params.scopes ?? [],
      ...(params.resource ? { resource: params.resource } : {}),
      upstreamCodeVerifier: upstreamVerifier,
      createdAt: new Date(),
    });
    const target = new URL(this.#upstream.authorizationEndpoint);
    target.search = new URLSearchParams({
      response_type: 'code',
      client_id: this.#upstream.clientId,
      redirect_uri: this.#upstream.redirectUri,
      scope: 'openid',
      state: transactionId,
      code_challenge: createHash('sha256').update(upstreamVerifier).digest('base64url'),
      code_challenge_method: 'S256',
    }).toString();
    res.redirect(302, target.href);
  }

  /**
   * The upstream IdP's redirect back to the proxy: take the transaction (once), redeem the upstream code, issue the
   * proxy's own one-time code, and send the user back to the MCP client.
   */
  readonly callback = async (req: Request, res: Response): Promise<void> => {
    const state = typeof req.query.state === 'string' ? req.query.state : '';
    const code = typeof req.query.code === 'string' ? req.query.code : '';
    const transaction = state ? await this.#flow.transactions.take(state) : undefined;
    if (!transaction) {
      res.status(400).json({ error: 'invalid_request', error_description: 'Unknown or expired transaction' });
      return;
    }
    const back = new URL(transaction.redirectUri);
    if (transaction.state !== undefined) back.searchParams.set('state', transaction.state);
    if (!code) {
      back.searchParams.set('error', 'access_denied');
      res.redirect(302, back.href);
      return;
    }
    const answer = await fetch(this.#upstream.tokenEndpoint, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(
          `${encodeURIComponent(this.#upstream.clientId)}:${encodeURIComponent(this.#upstream.clientSecret)}`,
        ).toString('base64')}`,
      },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code,
        redirect_uri: this.#upstream.redirectUri,
        code_verifier: String(transaction.upstreamCodeVerifier),
      }),
    });
    if (!answer.ok) {
      res.status(502).json({ error: 'server_error', error_description: 'The upstream token exchange failed' });
      return;
    }
    const upstream = (await answer.json()) as Record<string, unknown>;
    const upstreamTokenId = randomToken();
    await this.#flow.upstreamTokens.put(upstreamTokenId, {
      accessToken: String(upstream.access_token),
      tokenType: String(upstream.token_type ?? 'Bearer'),
      ...(typeof upstream.id_token === 'string' ? { idToken: upstream.id_token } : {}),
      ...(typeof upstream.expires_in === 'number'
        ? { expiresAt: new Date(Date.now() + upstream.expires_in * 1000) }
        : {}),
    });
    const proxyCode = randomToken();
    const subject = subjectOf(upstream.id_token);
    await this.#flow.authorizationCodes.issue(keyOf(proxyCode), {
      clientId: transaction.clientId,
      redirectUri: transaction.redirectUri,
      ...(transaction.codeChallenge !== undefined ? { codeChallenge: transaction.codeChallenge } : {}),
      scopes: transaction.scopes ?? [],
      ...(transaction.resource !== undefined ? { resource: transaction.resource } : {}),
      upstreamTokenId,
      ...(subject !== undefined ? { subject } : {}),
      createdAt: new Date(),
    });
    back.searchParams.set('code', proxyCode);
    res.redirect(302, back.href);
  };

  /** Reads (without consuming) the PKCE challenge of a code. */
  async challengeForAuthorizationCode(client: OAuthClientInformationFull, code: string): Promise<string> {
    const grant = await this.#flow.authorizationCodes.peek(keyOf(code));
    if (!grant || grant.clientId !== client.client_id || !grant.codeChallenge) {
      throw new InvalidGrantError('Invalid authorization code');
    }
    return grant.codeChallenge;
  }

  /** Consumes the code (exactly once across every instance) and issues tokens. */
  async exchangeAuthorizationCode(
    client: OAuthClientInformationFull,
    code: string,
    _verifier?: string,
    redirectUri?: string,
  ): Promise<OAuthTokens> {
    const result = await this.#flow.authorizationCodes.consume(keyOf(code));
    if (!result.ok) {
      throw new InvalidGrantError(
        result.reason === 'already_used' ? 'Authorization code already used' : 'Invalid authorization code',
      );
    }
    const { grant } = result;
    if (grant.clientId !== client.client_id)
      throw new InvalidGrantError('Authorization code was issued to another client');
    if (redirectUri !== undefined && redirectUri !== grant.redirectUri)
      throw new InvalidGrantError('redirect_uri mismatch');
    if (!grant.upstreamTokenId) throw new ServerError('Authorization code has no upstream tokens');
    return this.#issue(client.client_id, grant.upstreamTokenId, grant.scopes ?? [], grant.subject);
  }

  /** Rotates a refresh token: the old one is taken (once) and a new pair issued. */
  async exchangeRefreshToken(
    client: OAuthClientInformationFull,
    refreshToken: string,
    scopes?: string[],
  ): Promise<OAuthTokens> {
    const metadata = await this.#flow.refreshTokens.take(keyOf(refreshToken));
    if (!metadata || metadata.clientId !== client.client_id) throw new InvalidGrantError('Invalid refresh token');
    const granted = metadata.scopes ?? [];
    if (scopes?.some((scope) => !granted.includes(scope))) {
      throw new InvalidRequestError('A refresh may not widen the granted scopes');
    }
    return this.#issue(client.client_id, metadata.upstreamTokenId, scopes ?? granted, metadata.subject as string);
  }

  /** Every MCP request: looks the access token up in the shared store. */
  async verifyAccessToken(token: string): Promise<AuthInfo> {
    const mapping = await this.#flow.tokenMappings.get(keyOf(token));
    if (mapping?.kind !== 'access' || !mapping.expiresAt) throw new InvalidTokenError('Invalid access token');
    return {
      token,
      clientId: mapping.clientId,
      scopes: (mapping.scopes as string[] | undefined) ?? [],
      expiresAt: Math.floor(mapping.expiresAt.getTime() / 1000),
      extra: { subject: mapping.subject },
    };
  }

  async #issue(clientId: string, upstreamTokenId: string, scopes: string[], subject?: string): Promise<OAuthTokens> {
    const accessToken = randomToken();
    const refreshToken = randomToken();
    const now = Date.now();
    await Promise.all([
      this.#flow.tokenMappings.put(keyOf(accessToken), {
        upstreamTokenId,
        clientId,
        kind: 'access',
        scopes,
        subject,
        expiresAt: new Date(now + ACCESS_TOKEN_TTL_S * 1000),
      }),
      this.#flow.refreshTokens.put(keyOf(refreshToken), {
        clientId,
        upstreamTokenId,
        scopes,
        subject,
        expiresAt: new Date(now + REFRESH_TOKEN_TTL_S * 1000),
      }),
    ]);
    return {
      access_token: accessToken,
      token_type: 'Bearer',
      expires_in: ACCESS_TOKEN_TTL_S,
      refresh_token: refreshToken,
      ...(scopes.length ? { scope: scopes.join(' ') } : {}),
    };
  }
}
