import { assertStore } from './client-store';
import type { ByteStore } from './contract';
import { ConfigurationError } from './errors';
import { type KeyHasher, sha256KeyHasher, TypedCollection } from './typed-collection';
import { isStorableKey } from './validation';
import { decodeRecord, encodeRecord } from './value-codec';

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

/** Default TTLs (ms), after FastMCP's OAuth proxy (see docs): short for flow state, token lifetime for tokens. */
export const DEFAULT_TRANSACTION_TTLS = {
  transactions: 15 * MINUTE,
  consentTokens: 15 * MINUTE,
  authorizationCodes: 5 * MINUTE,
  upstreamTokens: 30 * DAY,
  tokenMappings: 30 * DAY,
  refreshTokens: 30 * DAY,
} as const;

/** Names of the collections a {@link TransactionStore} keeps. */
export type TransactionCollection = keyof typeof DEFAULT_TRANSACTION_TTLS;

/** An in-flight authorization request of an OAuth proxy, between `/authorize` and the upstream callback. */
export interface ProxyTransaction {
  clientId: string;
  redirectUri: string;
  codeChallenge?: string;
  codeChallengeMethod?: string;
  state?: string;
  scopes?: string[];
  resource?: URL | string;
  upstreamCodeVerifier?: string;
  createdAt: Date;
  [extra: string]: unknown;
}

/** What an authorization code grants, kept until the code is exchanged (once). */
export interface AuthorizationCodeGrant {
  clientId: string;
  redirectUri: string;
  codeChallenge?: string;
  codeChallengeMethod?: string;
  scopes?: string[];
  resource?: URL | string;
  upstreamTokenId?: string;
  subject?: string;
  createdAt: Date;
  [extra: string]: unknown;
}

/** Tokens obtained from the upstream identity provider. */
export interface UpstreamTokenSet {
  accessToken: string;
  refreshToken?: string;
  tokenType?: string;
  scope?: string;
  idToken?: string;
  expiresAt?: Date;
  refreshExpiresAt?: Date;
  [extra: string]: unknown;
}

/** Maps a token id (a JWT `jti`) issued by the proxy to the upstream tokens it stands for. */
export interface TokenMapping {
  upstreamTokenId: string;
  clientId: string;
  kind: 'access' | 'refresh';
  expiresAt?: Date;
  [extra: string]: unknown;
}

/** Metadata of a refresh token the proxy issued (keyed by a hash of the token). */
export interface RefreshTokenMetadata {
  clientId: string;
  upstreamTokenId: string;
  scopes?: string[];
  expiresAt?: Date;
  [extra: string]: unknown;
}

/** A consent-screen CSRF token. */
export interface ConsentToken {
  transactionId: string;
  createdAt: Date;
  [extra: string]: unknown;
}

/** Result of {@link AuthorizationCodes.consume}. */
export type ConsumeResult<T> =
  | { ok: true; grant: T }
  | { ok: false; reason: 'already_used'; usedAt: Date }
  | { ok: false; reason: 'not_found' };

/** Options for {@link TransactionStore}. */
export interface TransactionStoreOptions {
  /** Prefix of every collection name. Default `oauth-`. */
  prefix?: string;
  /** Overrides of {@link DEFAULT_TRANSACTION_TTLS} (ms). */
  ttls?: Partial<Record<TransactionCollection, number>>;
  /**
   * Allow a store whose `take` is not atomic (`capabilities.atomicTake === false`, such as a Keyv-backed store).
   * Authorization codes are then NOT guaranteed one-time across instances. Default false: such a store is refused.
   */
  allowNonAtomicTake?: boolean;
  /**
   * Hashes every key before it reaches the backend (codes, refresh-token hashes, JTIs, transaction ids), so the backend
   * and its logs never hold a usable code or token. Pass an HMAC keyed with a secret every instance shares (for
   * example `(key) => createHmac('sha256', secret).update(key).digest('base64url')`). Default: keys are stored as
   * given, except the replay tombstones of used codes, which are always stored under SHA-256 of the code.
   */
  keyHasher?: KeyHasher;
  /** Clock, for tests. Default `Date.now`. */
  now?: () => number;
}

function untilLatest(now: () => number, ...dates: (Date | undefined)[]): number | undefined {
  const times = dates.filter((date): date is Date => date instanceof Date).map((date) => date.getTime());
  if (times.length === 0) return undefined;
  return Math.max(Math.max(...times) - now(), 1_000);
}

/**
 * One-time authorization codes. `consume` takes the code atomically (exactly one caller across every instance gets
 * the grant) and leaves a tombstone for the rest of the code's lifetime, so a replayed code is reported as
 * `already_used` (RFC 6749 §4.1.2 says the server should then revoke what the code issued), not as unknown.
 */
export class AuthorizationCodes<T extends AuthorizationCodeGrant = AuthorizationCodeGrant> {
  readonly #codes: TypedCollection<T>;
  readonly #tombstones: string;
  readonly #store: ByteStore;
  readonly #ttlMs: number;
  readonly #now: () => number;

  readonly #tombstoneKey: KeyHasher;

  constructor(store: ByteStore, prefix: string, ttlMs: number, now: () => number, keyHasher?: KeyHasher) {
    this.#store = store;
    this.#codes = new TypedCollection<T>(store, {
      collection: `${prefix}codes`,
      defaultTtlMs: ttlMs,
      ...(keyHasher ? { keyHasher } : {}),
    });
    // A tombstone outlives its code: never keep the raw code as a key name for longer than the code itself.
    this.#tombstoneKey = keyHasher ?? sha256KeyHasher;
    this.#tombstones = `${prefix}code-tombstones`;
    this.#ttlMs = ttlMs;
    this.#now = now;
  }

  /** Stores a new code's grant; resolves false if the code already exists (never overwrite a live code). */
  issue(code: string, grant: T): Promise<boolean> {
    return this.#codes.create(code, grant);
  }

  /** Reads a grant WITHOUT consuming it (the MCP SDK's `challengeForAuthorizationCode` needs this). */
  peek(code: string): Promise<T | undefined> {
    return this.#codes.get(code);
  }

  /** Consumes the code: exactly one concurrent caller gets `{ ok: true }`. */
  async consume(code: string): Promise<ConsumeResult<T>> {
    if (!isStorableKey(this.#store.capabilities, code)) return { ok: false, reason: 'not_found' };
    const grant = await this.#codes.take(code);
    const tombstoneKey = this.#tombstoneKey(code);
    if (grant) {
      // A replay arriving between the take and this write is reported as not_found: still rejected.
      await this.#store.set(this.#tombstones, tombstoneKey, encodeRecord({ usedAt: new Date(this.#now()) }), {
        ttlMs: this.#ttlMs,
      });
      return { ok: true, grant };
    }
    const tombstone = await this.#store.get(this.#tombstones, tombstoneKey);
    if (tombstone) {
      const { usedAt } = decodeRecord(tombstone) as { usedAt: Date };
      return { ok: false, reason: 'already_used', usedAt };
    }
    return { ok: false, reason: 'not_found' };
  }
}

/**
 * The short-lived state of an OAuth proxy, each kind in its own typed collection with a default TTL:
 * transactions, consent tokens, authorization codes (one-time), upstream token sets, token-id mappings and refresh
 * token metadata. Refuses a store whose `take` is not atomic unless `allowNonAtomicTake` is set.
 */
export class TransactionStore {
  /** In-flight authorization requests (default TTL 15 min). Use `take` on the upstream callback. */
  readonly transactions: TypedCollection<ProxyTransaction>;
  /** Consent-screen CSRF tokens (15 min). */
  readonly consentTokens: TypedCollection<ConsentToken>;
  /** One-time authorization codes (5 min). */
  readonly authorizationCodes: AuthorizationCodes;
  /** Upstream token sets; TTL from their own expiry (the later of access and refresh, at least 1 s), else 30 days. */
  readonly upstreamTokens: TypedCollection<UpstreamTokenSet>;
  /** Token id (JWT `jti`) to upstream tokens; TTL from `expiresAt`, else 30 days. Refresh JTIs are taken once. */
  readonly tokenMappings: TypedCollection<TokenMapping>;
  /** Refresh-token metadata, keyed by a hash of the token; TTL from `expiresAt`, else 30 days. */
  readonly refreshTokens: TypedCollection<RefreshTokenMetadata>;

  constructor(store: ByteStore, options: TransactionStoreOptions = {}) {
    assertStore(store, 'transaction-store');
    if (!store.capabilities.atomicTake && !options.allowNonAtomicTake) {
      throw new ConfigurationError(
        `the "${store.capabilities.name}" store cannot take an entry atomically, so authorization codes could be redeemed twice by two instances. Use a store with atomic take (Redis, PostgreSQL, DynamoDB, Firestore, Cloud Storage), or pass allowNonAtomicTake: true to accept the risk.`,
        { source: 'transaction-store' },
      );
    }
    const prefix = options.prefix ?? 'oauth-';
    const ttls = { ...DEFAULT_TRANSACTION_TTLS, ...options.ttls };
    const now = options.now ?? Date.now;
    const { keyHasher } = options;
    if (keyHasher !== undefined && typeof keyHasher !== 'function') {
      throw new ConfigurationError('keyHasher must be a function from a key to the name stored in the backend.', {
        source: 'transaction-store',
      });
    }
    const collection = <T>(name: string, defaultTtlMs: number, ttlFor?: (value: T) => number | undefined) =>
      new TypedCollection<T>(store, {
        collection: `${prefix}${name}`,
        defaultTtlMs,
        ...(ttlFor ? { ttlFor } : {}),
        ...(keyHasher ? { keyHasher } : {}),
      });
    this.transactions = collection('transactions', ttls.transactions);
    this.consentTokens = collection('consent-tokens', ttls.consentTokens);
    this.authorizationCodes = new AuthorizationCodes(store, prefix, ttls.authorizationCodes, now, keyHasher);
    this.upstreamTokens = collection<UpstreamTokenSet>('upstream-tokens', ttls.upstreamTokens, (value) =>
      untilLatest(now, value?.expiresAt, value?.refreshExpiresAt),
    );
    this.tokenMappings = collection<TokenMapping>('token-mappings', ttls.tokenMappings, (value) =>
      untilLatest(now, value?.expiresAt),
    );
    this.refreshTokens = collection<RefreshTokenMetadata>('refresh-tokens', ttls.refreshTokens, (value) =>
      untilLatest(now, value?.expiresAt),
    );
  }
}
