// A small but complete OAuthServerProvider for the tests: clients in core's ClientStore (through the bridge),
// authorization codes, access and refresh tokens in core's TransactionStore / TypedCollection. Every piece of state is
// in the ByteStore, so any number of instances over one shared store behave as one authorization server.
import { createHash, randomBytes } from 'node:crypto';
import type { OAuthRegisteredClientsStore } from '@modelcontextprotocol/sdk/server/auth/clients.js';
import * as sdkErrors from '@modelcontextprotocol/sdk/server/auth/errors.js';
import type { AuthorizationParams, OAuthServerProvider } from '@modelcontextprotocol/sdk/server/auth/provider.js';
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import type { OAuthClientInformationFull, OAuthTokens } from '@modelcontextprotocol/sdk/shared/auth.js';
import { type ByteStore, TransactionStore, TypedCollection } from '@oauth-store/core';
import type { Response } from 'express';
import { createClientsStore } from '../../src/index';
import type { SdkV1Line } from './sdk-lines';

interface AccessTokenRecord {
  clientId: string;
  scopes: string[];
  expiresAt: Date;
  resource?: URL;
}

const ACCESS_TOKEN_TTL_S = 3600;

/** Tokens are keys in the store; hash them so the envelope's key hashing is not the only thing hiding them. */
const tokenKey = (token: string) => createHash('sha256').update(token).digest('base64url');

/** An OAuth server provider whose whole state lives in `store`. */
export class StoreBackedProvider implements OAuthServerProvider {
  readonly clientsStore: OAuthRegisteredClientsStore;
  readonly #transactions: TransactionStore;
  readonly #accessTokens: TypedCollection<AccessTokenRecord>;
  readonly #errors: SdkV1Line['errors'];

  /** `errors`: the error classes of the SDK whose router serves this provider (default: the devDependency's). */
  constructor(store: ByteStore, errors: SdkV1Line['errors'] = sdkErrors) {
    this.#errors = errors;
    this.clientsStore = createClientsStore(store);
    this.#transactions = new TransactionStore(store);
    this.#accessTokens = new TypedCollection<AccessTokenRecord>(store, {
      collection: 'test-access-tokens',
      defaultTtlMs: ACCESS_TOKEN_TTL_S * 1000,
    });
  }

  async authorize(client: OAuthClientInformationFull, params: AuthorizationParams, res: Response): Promise<void> {
    const code = randomBytes(32).toString('base64url');
    await this.#transactions.authorizationCodes.issue(code, {
      clientId: client.client_id,
      redirectUri: params.redirectUri,
      codeChallenge: params.codeChallenge,
      codeChallengeMethod: 'S256',
      scopes: params.scopes ?? [],
      ...(params.resource ? { resource: params.resource } : {}),
      createdAt: new Date(),
    });
    const target = new URL(params.redirectUri);
    target.searchParams.set('code', code);
    if (params.state !== undefined) target.searchParams.set('state', params.state);
    res.redirect(302, target.href);
  }

  async challengeForAuthorizationCode(client: OAuthClientInformationFull, code: string): Promise<string> {
    // Peek, never consume: the SDK calls this before exchangeAuthorizationCode.
    const grant = await this.#transactions.authorizationCodes.peek(code);
    if (!grant || grant.clientId !== client.client_id)
      throw new this.#errors.InvalidGrantError('invalid authorization code');
    return grant.codeChallenge ?? '';
  }

  async exchangeAuthorizationCode(
    client: OAuthClientInformationFull,
    code: string,
    _codeVerifier?: string,
    redirectUri?: string,
  ): Promise<OAuthTokens> {
    const result = await this.#transactions.authorizationCodes.consume(code);
    if (!result.ok) {
      throw new this.#errors.InvalidGrantError(
        result.reason === 'already_used' ? 'authorization code already used' : 'invalid authorization code',
      );
    }
    const { grant } = result;
    if (grant.clientId !== client.client_id)
      throw new this.#errors.InvalidGrantError('code was issued to another client');
    if (redirectUri !== undefined && redirectUri !== grant.redirectUri)
      throw new this.#errors.InvalidGrantError('redirect_uri mismatch');
    return this.#issue(client.client_id, grant.scopes ?? []);
  }

  async exchangeRefreshToken(client: OAuthClientInformationFull, refreshToken: string): Promise<OAuthTokens> {
    // Atomic take: of two instances refreshing with the same token, exactly one rotates it.
    const record = await this.#transactions.refreshTokens.take(tokenKey(refreshToken));
    if (!record || record.clientId !== client.client_id)
      throw new this.#errors.InvalidGrantError('invalid refresh token');
    return this.#issue(client.client_id, record.scopes ?? []);
  }

  async verifyAccessToken(token: string): Promise<AuthInfo> {
    const record = await this.#accessTokens.get(tokenKey(token));
    if (!record) throw new this.#errors.InvalidTokenError('invalid access token');
    return {
      token,
      clientId: record.clientId,
      scopes: record.scopes,
      expiresAt: Math.floor(record.expiresAt.getTime() / 1000),
    };
  }

  async #issue(clientId: string, scopes: string[]): Promise<OAuthTokens> {
    const accessToken = randomBytes(32).toString('base64url');
    const refreshToken = randomBytes(32).toString('base64url');
    await this.#accessTokens.put(tokenKey(accessToken), {
      clientId,
      scopes,
      expiresAt: new Date(Date.now() + ACCESS_TOKEN_TTL_S * 1000),
    });
    await this.#transactions.refreshTokens.put(tokenKey(refreshToken), {
      clientId,
      upstreamTokenId: 'local',
      scopes,
      expiresAt: new Date(Date.now() + 30 * 24 * 3600 * 1000),
    });
    return {
      access_token: accessToken,
      token_type: 'Bearer',
      expires_in: ACCESS_TOKEN_TTL_S,
      refresh_token: refreshToken,
      scope: scopes.join(' '),
    };
  }
}
