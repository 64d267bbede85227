import { createHash } from 'node:crypto';
import type { OAuthDiscoveryState } from '@modelcontextprotocol/sdk/client/auth.js';
import {
  OAuthClientInformationFullSchema,
  type OAuthClientInformationMixed,
  OAuthClientInformationSchema,
  type OAuthTokens,
  OAuthTokensSchema,
} from '@modelcontextprotocol/sdk/shared/auth.js';
import {
  type ByteStore,
  ConfigurationError,
  decodeRecord,
  encodeRecord,
  IntegrityError,
  InvalidValueError,
} from '@oauth-store/core';
import { sessionKey } from './session-key';

/** Options of {@link createOAuthClientPersistence}. */
export interface OAuthClientPersistenceOptions {
  /** Whose login this is. Every process using the same `userId` and `serverUrl` shares one login. */
  userId: string;
  /** The MCP server's URL (as passed to the SDK's `auth()` / transport). Normalized with `new URL().href`. */
  serverUrl: string | URL;
  /** Prefix of the four collection names. Default `mcp-client-`. */
  collectionPrefix?: string;
  /** How long a saved PKCE code verifier lives, in ms. It is only needed between redirect and callback. Default 10 min. */
  codeVerifierTtlMs?: number;
  /** How long saved discovery state lives, in ms, before discovery runs again. Default 24 h. */
  discoveryStateTtlMs?: number;
  /** TTL of saved tokens, in ms. Default: none (the refresh token decides how long a login lasts). */
  tokensTtlMs?: number;
  /**
   * Secret (at least 32 random bytes, the same on every process) keying the hash of (userId, serverUrl) that names
   * this session in the store. Without it the name is an unkeyed SHA-256, reversible by guessing user ids.
   */
  hashKey?: Uint8Array;
}

/** What {@link OAuthClientProvider.invalidateCredentials} may be asked to drop. */
export type CredentialScope = 'all' | 'client' | 'tokens' | 'verifier' | 'discovery';

/**
 * The storage half of the SDK's `OAuthClientProvider`, on a shared store. Spread it into a provider object and add
 * `redirectUrl`, `clientMetadata` and `redirectToAuthorization`.
 */
export interface OAuthClientPersistence {
  /** The registered client (from DCR or pre-registration), or undefined. */
  clientInformation(): Promise<OAuthClientInformationMixed | undefined>;
  /** Saves the registered client, including the `issuer` the SDK adds. */
  saveClientInformation(clientInformation: OAuthClientInformationMixed): Promise<void>;
  /** The saved tokens, or undefined. */
  tokens(): Promise<OAuthTokens | undefined>;
  /** Saves tokens; every process of this user and server sees them at once. */
  saveTokens(tokens: OAuthTokens): Promise<void>;
  /** Saves the PKCE code verifier (short TTL), so the callback may land on another process. */
  saveCodeVerifier(codeVerifier: string): Promise<void>;
  /** The saved code verifier. Rejects with `invalid_value` when none is saved (never started, or expired). */
  codeVerifier(): Promise<string>;
  /** Saves discovery state so later `auth()` calls skip discovery. */
  saveDiscoveryState(state: OAuthDiscoveryState): Promise<void>;
  /** The saved discovery state, or undefined. */
  discoveryState(): Promise<OAuthDiscoveryState | undefined>;
  /**
   * Drops the named credentials. Tokens are kept when another process replaced them since this one last read them:
   * a refresh that failed here because another process already rotated the refresh token must not log everyone out.
   */
  invalidateCredentials(scope: CredentialScope): Promise<void>;
}

const MINUTE = 60_000;
const SOURCE = 'mcp-sdk';

function positiveMs(name: string, value: number | undefined, fallback: number | undefined): number | undefined {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value <= 0) {
    throw new ConfigurationError(`\`${name}\` must be a positive integer number of milliseconds.`, { source: SOURCE });
  }
  return value;
}

function fingerprint(tokens: OAuthTokens): string {
  return createHash('sha256')
    .update(tokens.access_token)
    .update('\u0000')
    .update(tokens.refresh_token ?? '')
    .digest('hex');
}

function corrupted(what: string): IntegrityError {
  return new IntegrityError(
    `the stored ${what} does not match the MCP SDK's schema: it is corrupted or was written by something else. Invalidate it and log in again.`,
    { source: SOURCE },
  );
}

/**
 * The typed error for a value a save was given that would not read back: names what was expected, never the value
 * (tokens and client secrets must not reach logs).
 */
function notSaved(what: string, expected: string): InvalidValueError {
  return new InvalidValueError(`${what} was not saved: ${expected}`, { source: SOURCE });
}

/**
 * Persists an MCP client's OAuth state (client registration, tokens, PKCE verifier, discovery state) in a shared
 * store, keyed by user and server URL, so several client processes share one login and an authorization callback
 * may land on any of them. Values are validated with the SDK's own schemas on read; a record that does not parse is
 * an {@link IntegrityError}, never a silent miss. Wrap the store with `@oauth-store/envelope` to encrypt tokens.
 *
 * @example
 * const provider: OAuthClientProvider = {
 *   ...createOAuthClientPersistence(store, { userId: 'alice', serverUrl }),
 *   redirectUrl, clientMetadata, redirectToAuthorization: (url) => openBrowser(url),
 * };
 */
export function createOAuthClientPersistence(
  store: ByteStore,
  options: OAuthClientPersistenceOptions,
): OAuthClientPersistence {
  if (!options || typeof options !== 'object') {
    throw new ConfigurationError('options with `userId` and `serverUrl` are required.', { source: SOURCE });
  }
  const key = sessionKey(options.userId, options.serverUrl, options.hashKey);
  const prefix = options.collectionPrefix ?? 'mcp-client-';
  const collections = {
    client: `${prefix}information`,
    tokens: `${prefix}tokens`,
    verifier: `${prefix}code-verifiers`,
    discovery: `${prefix}discovery`,
  } as const;
  const verifierTtlMs = positiveMs('codeVerifierTtlMs', options.codeVerifierTtlMs, 10 * MINUTE);
  const discoveryTtlMs = positiveMs('discoveryStateTtlMs', options.discoveryStateTtlMs, 24 * 60 * MINUTE);
  const tokensTtlMs = positiveMs('tokensTtlMs', options.tokensTtlMs, undefined);
  // Fingerprint of the tokens this process last read or wrote; see invalidateCredentials.
  let lastSeenTokens: string | undefined;

  const read = async (collection: string) => {
    const bytes = await store.get(collection, key);
    return bytes ? decodeRecord(bytes) : undefined;
  };
  const write = async (collection: string, value: unknown, ttlMs: number | undefined) => {
    await store.set(collection, key, encodeRecord(value), ttlMs === undefined ? {} : { ttlMs });
  };

  const readTokens = async (): Promise<OAuthTokens | undefined> => {
    const stored = await read(collections.tokens);
    if (stored === undefined) return undefined;
    const parsed = OAuthTokensSchema.safeParse(stored);
    if (!parsed.success) throw corrupted('tokens');
    return parsed.data;
  };

  const dropTokens = async () => {
    const current = await readTokens().catch(() => undefined);
    if (current && lastSeenTokens !== undefined && fingerprint(current) !== lastSeenTokens) return;
    await store.delete(collections.tokens, key);
    lastSeenTokens = undefined;
  };

  return {
    async clientInformation() {
      const stored = await read(collections.client);
      if (stored === undefined) return undefined;
      const full = OAuthClientInformationFullSchema.safeParse(stored);
      if (full.success) return full.data;
      const info = OAuthClientInformationSchema.safeParse(stored);
      if (info.success) return info.data;
      throw corrupted('client information');
    },
    async saveClientInformation(clientInformation) {
      // Checked with the schemas used on read, so a save never stores what would later read back as corrupted.
      if (
        !OAuthClientInformationFullSchema.safeParse(clientInformation).success &&
        !OAuthClientInformationSchema.safeParse(clientInformation).success
      ) {
        throw notSaved(
          'the client information',
          "it must match the MCP SDK's OAuthClientInformation (a client_id string, ...).",
        );
      }
      await write(collections.client, clientInformation, undefined);
    },
    async tokens() {
      const tokens = await readTokens();
      lastSeenTokens = tokens ? fingerprint(tokens) : undefined;
      return tokens;
    },
    async saveTokens(tokens) {
      if (!OAuthTokensSchema.safeParse(tokens).success) {
        throw notSaved(
          'the tokens',
          "they must match the MCP SDK's OAuthTokens (access_token and token_type strings, ...).",
        );
      }
      await write(collections.tokens, tokens, tokensTtlMs);
      lastSeenTokens = fingerprint(tokens);
    },
    async saveCodeVerifier(codeVerifier) {
      if (typeof codeVerifier !== 'string' || codeVerifier.length === 0) {
        throw new InvalidValueError('the PKCE code verifier must be a non-empty string.', { source: SOURCE });
      }
      await write(collections.verifier, codeVerifier, verifierTtlMs);
    },
    async codeVerifier() {
      const stored = await read(collections.verifier);
      if (stored === undefined) {
        throw new InvalidValueError(
          'no PKCE code verifier is saved for this user and server (authorization was not started, or it expired). Start the authorization again.',
          { source: SOURCE },
        );
      }
      if (typeof stored !== 'string') throw corrupted('code verifier');
      return stored;
    },
    async saveDiscoveryState(state) {
      const candidate = state as Partial<OAuthDiscoveryState> | null | undefined;
      if (!candidate || typeof candidate !== 'object' || typeof candidate.authorizationServerUrl !== 'string') {
        throw notSaved('the discovery state', 'it must be an object with an authorizationServerUrl string.');
      }
      await write(collections.discovery, state, discoveryTtlMs);
    },
    async discoveryState() {
      const stored = await read(collections.discovery);
      if (stored === undefined) return undefined;
      const state = stored as Partial<OAuthDiscoveryState> | null;
      if (!state || typeof state !== 'object' || typeof state.authorizationServerUrl !== 'string') {
        throw corrupted('discovery state');
      }
      return state as OAuthDiscoveryState;
    },
    async invalidateCredentials(scope) {
      switch (scope) {
        case 'all':
          await Promise.all([
            store.delete(collections.client, key),
            dropTokens(),
            store.delete(collections.verifier, key),
            store.delete(collections.discovery, key),
          ]);
          return;
        case 'client':
          await store.delete(collections.client, key);
          return;
        case 'tokens':
          await dropTokens();
          return;
        case 'verifier':
          await store.delete(collections.verifier, key);
          return;
        case 'discovery':
          await store.delete(collections.discovery, key);
          return;
        default:
          throw new InvalidValueError(
            'invalidateCredentials takes "all", "client", "tokens", "verifier" or "discovery".',
            { source: SOURCE },
          );
      }
    },
  };
}
