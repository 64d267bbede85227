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
import type { TransactionStore } from '@oauth-store/core';
import type { RefreshTokenFamilies, SigningKeyring } from '@oauth-store/tokens';
import type { Request, Response } from 'express';
import { REFRESH_REUSE_MESSAGE, REFRESH_REVOKED_MESSAGE } from './proxy-provider-messages';
import type { UpstreamClient } from './upstream-idp';

/** Lifetime of the proxy's access tokens (JWTs signed by the keyring), in ms. */
export const ACCESS_TOKEN_TTL_MS = 3_600_000;

/** What a refresh-token family remembers about the sign-in that started it. */
export interface RefreshGrant {
  clientId: string;
  upstreamTokenId: string;
  scopes: string[];
  subject?: string;
}

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

/** What {@link StoreBackedOAuthProxy} keeps its state in. */
export interface OAuthProxyOptions {
  /** How clients are looked up: registered (DCR) clients, and Client ID Metadata Documents where enabled. */
  clients: OAuthRegisteredClientsStore;
  /** Transactions, upstream tokens and one-time authorization codes. */
  flow: TransactionStore;
  /** Refresh tokens: rotated on every use, a replay revokes the family (RFC 9700 §4.14.2). */
  refreshTokens: RefreshTokenFamilies<RefreshGrant>;
  /** Signs and verifies access tokens (RFC 9068 JWTs). */
  keyring: SigningKeyring;
  upstream: UpstreamConfig;
  /** `iss` of the access tokens (the proxy's issuer URL). */
  issuer: string;
  /** `aud` of the access tokens (the MCP server's resource URL, RFC 8707). */
  audience: string;
}

/**
 * An MCP authorization server that proxies to an upstream identity provider without dynamic client registration
 * (like GitHub): MCP clients register with the proxy (DCR) or bring a Client ID Metadata Document, the proxy sends
 * users to the upstream IdP as its one pre-registered client, and issues its own codes and tokens. Everything it
 * remembers between requests lives in the stores it is given, so any number of instances can share it: access tokens
 * are JWTs signed by a {@link SigningKeyring} (no store read to verify one, but every instance must hold the same
 * keys), refresh tokens are {@link RefreshTokenFamilies} (rotation with reuse detection).
 */
export class StoreBackedOAuthProxy implements OAuthServerProvider {
  readonly #clients: OAuthRegisteredClientsStore;
  readonly #flow: TransactionStore;
  readonly #refreshTokens: RefreshTokenFamilies<RefreshGrant>;
  readonly #keyring: SigningKeyring;
  readonly #upstream: UpstreamConfig;
  readonly #issuer: string;
  readonly #audience: string;

  constructor(options: OAuthProxyOptions) {
    this.#clients = options.clients;
    this.#flow = options.flow;
    this.#refreshTokens = options.refreshTokens;
    this.#keyring = options.keyring;
    this.#upstream = options.upstream;
    this.#issuer = options.issuer;
    this.#audience = options.audience;
  }

  /** The clients the SDK's handlers look up. */
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
    const proxyCode = randomToken();
    const subject = subjectOf(upstream.id_token);
    // Two independent writes: sent together, the callback waits for one round trip instead of two.
    await Promise.all([
      this.#flow.upstreamTokens.put(upstreamTokenId, {
        accessToken: String(upstream.access_token),
        tokenType: String(upstream.token_type ?? 'Bearer'),
        ...(typeof upstream.id_token === 'string' ? { idToken: upstream.id_token } : {}),
        ...(typeof upstream.expires_in === 'number'
          ? { expiresAt: new Date(Date.now() + upstream.expires_in * 1000) }
          : {}),
      }),
      this.#flow.authorizationCodes.issue(keyOf(proxyCode), {
        clientId: transaction.clientId,
        redirectUri: transaction.redirectUri,
        ...(transaction.codeChallenge !== undefined ? { codeChallenge: transaction.codeChallenge } : {}),
        scopes: transaction.scopes ?? [],
        ...(transaction.resource !== undefined ? { resource: transaction.resource } : {}),
        upstreamTokenId,
        ...(subject !== undefined ? { subject } : {}),
        createdAt: new Date(),
      }),
    ]);
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
    return this.#issue({
      clientId: client.client_id,
      upstreamTokenId: grant.upstreamTokenId,
      scopes: grant.scopes ?? [],
      ...(grant.subject !== undefined ? { subject: grant.subject } : {}),
    });
  }

  /**
   * Rotates a refresh token: the presented token is retired and its successor issued, exactly once across every
   * instance. A token that was already rotated is a replay (or a race the client lost): its whole family is revoked.
   */
  async exchangeRefreshToken(
    client: OAuthClientInformationFull,
    refreshToken: string,
    scopes?: string[],
  ): Promise<OAuthTokens> {
    const rotated = await this.#refreshTokens.rotate(refreshToken);
    if (!rotated.ok) {
      throw new InvalidGrantError(
        rotated.reason === 'reused'
          ? REFRESH_REUSE_MESSAGE
          : rotated.reason === 'revoked'
            ? REFRESH_REVOKED_MESSAGE
            : 'Invalid refresh token',
      );
    }
    const grant = rotated.data;
    if (grant.clientId !== client.client_id) {
      // Presented by another client: the legitimate client's successor must not be usable by whoever holds this one.
      await this.#refreshTokens.revokeFamily(rotated.familyId);
      throw new InvalidGrantError('Invalid refresh token');
    }
    if (scopes?.some((scope) => !grant.scopes.includes(scope))) {
      throw new InvalidRequestError('A refresh may not widen the granted scopes');
    }
    return this.#tokens(grant, rotated.token, scopes ?? grant.scopes);
  }

  /** Every MCP request: checks the access token's signature and claims; no store read. */
  async verifyAccessToken(token: string): Promise<AuthInfo> {
    const verified = await this.#keyring.verify(token, {
      type: 'at+jwt',
      issuer: this.#issuer,
      audience: this.#audience,
    });
    if (!verified.ok) {
      throw new InvalidTokenError(
        verified.reason === 'unknown_key'
          ? 'Invalid access token (signed with a key this instance does not know)'
          : verified.reason === 'expired'
            ? 'Access token expired'
            : 'Invalid access token',
      );
    }
    const { payload } = verified;
    return {
      token,
      clientId: String(payload.client_id),
      scopes: typeof payload.scope === 'string' && payload.scope ? payload.scope.split(' ') : [],
      ...(typeof payload.exp === 'number' ? { expiresAt: payload.exp } : {}),
      ...(payload.aud !== undefined ? { resource: new URL(this.#audience) } : {}),
      extra: { subject: payload.sub },
    };
  }

  /** After a code exchange: a new refresh-token family and the first access token. */
  async #issue(grant: RefreshGrant): Promise<OAuthTokens> {
    const { token } = await this.#refreshTokens.issue(grant);
    return this.#tokens(grant, token, grant.scopes);
  }

  async #tokens(grant: RefreshGrant, refreshToken: string, scopes: string[]): Promise<OAuthTokens> {
    const accessToken = await this.#keyring.sign(
      { jti: randomToken(), client_id: grant.clientId, ...(scopes.length ? { scope: scopes.join(' ') } : {}) },
      {
        type: 'at+jwt',
        issuer: this.#issuer,
        audience: this.#audience,
        expiresInMs: ACCESS_TOKEN_TTL_MS,
        ...(grant.subject !== undefined ? { subject: grant.subject } : {}),
      },
    );
    return {
      access_token: accessToken,
      token_type: 'Bearer',
      expires_in: ACCESS_TOKEN_TTL_MS / 1000,
      refresh_token: refreshToken,
      ...(scopes.length ? { scope: scopes.join(' ') } : {}),
    };
  }
}
