import {
  type ByteStore,
  ConflictError,
  decodeRecord,
  encodeRecord,
  IntegrityError,
  type KeyHasher,
} from '@oauth-store/core';
import { openSuccessor, sealSuccessor } from './grace-seal';
import {
  assertAtomicStore,
  durationOption,
  newOpaqueToken,
  resolveTokenStoreOptions,
  type TokenStoreOptions,
} from './shared-options';

const SOURCE = 'refresh-token-families';
const DAY = 24 * 60 * 60 * 1000;

/** Default lifetimes (ms) of {@link RefreshTokenFamilies}. */
export const DEFAULT_REFRESH_TTLS = {
  /** Each refresh token: 14 days, oidc-provider's default (an idle timeout: each rotation starts a new one). */
  tokenTtlMs: 14 * DAY,
  /** The family, from its first token: 90 days, then the user signs in again whatever the rotations. */
  familyTtlMs: 90 * DAY,
} as const;

/** Options of {@link RefreshTokenFamilies}. */
export interface RefreshTokenFamiliesOptions extends TokenStoreOptions {
  /** Lifetime of each refresh token (ms). Default {@link DEFAULT_REFRESH_TTLS}.tokenTtlMs. */
  tokenTtlMs?: number;
  /** Absolute lifetime of a family (ms), never extended by rotation. Default {@link DEFAULT_REFRESH_TTLS}.familyTtlMs. */
  familyTtlMs?: number;
  /**
   * Grace window (ms) for benign concurrent refreshes. Default 0 (off): presenting a retired token is always reuse,
   * and revokes the family, even when it is the same client refreshing twice at once (two tabs, a retried request
   * whose response was lost). With a window, a retired token presented again within `graceMs` of its rotation gets
   * the same successor the winner got, as long as that successor has not been rotated itself. The trade-off: an
   * attacker who replays a stolen token inside the window gets a live token instead of triggering revocation. Keep
   * it short (a few seconds) if you enable it.
   */
  graceMs?: number;
}

/** What {@link RefreshTokenFamilies.issue} returns. */
export interface IssuedRefreshToken {
  /** The refresh token to hand to the client. Stored only as its hash. */
  token: string;
  /** The family it starts (not a secret: use it to revoke, and in logs). */
  familyId: string;
  /** When this token expires (the earlier of its own lifetime and the family's). */
  expiresAt: Date;
}

/** Result of {@link RefreshTokenFamilies.rotate}. */
export type RotateResult<T> =
  | {
      ok: true;
      /** The successor refresh token: hand it to the client; the presented one is now retired. */
      token: string;
      familyId: string;
      data: T;
      expiresAt: Date;
      /** True when this caller lost a concurrent rotation and got the winner's successor inside the grace window. */
      viaGrace: boolean;
    }
  | {
      ok: false;
      /**
       * `unknown`: never issued, expired, or its family expired (answer `invalid_grant`). `revoked`: its family was
       * revoked. `reused`: the token had already been rotated; the whole family is now revoked (RFC 9700 §4.14.2).
       */
      reason: 'unknown' | 'revoked' | 'reused';
      familyId?: string;
    };

/** Result of {@link RefreshTokenFamilies.verify}. */
export type VerifyRefreshResult<T> =
  | { ok: true; familyId: string; data: T; expiresAt: Date }
  | {
      ok: false;
      /** `retired`: the token was rotated (verify only reports it; presenting it to `rotate` revokes the family). */
      reason: 'unknown' | 'revoked' | 'retired';
      familyId?: string;
    };

interface TokenRecord {
  familyId: string;
  state: 'active' | 'retired';
  issuedAt: number;
  expiresAt: number;
  retiredAt?: number;
  successorHash?: string;
  graceUntil?: number;
  sealedSuccessor?: string;
}

interface FamilyRecord<T> {
  familyId: string;
  status: 'active' | 'revoked';
  createdAt: number;
  expiresAt: number;
  data: T;
  revokedAt?: number;
  revokedReason?: string;
}

/** How many times `rotate` re-reads after losing a compare-and-set before giving up (each loss means progress). */
const MAX_ATTEMPTS = 4;
/** Longest token `rotate`/`verify` consider; anything longer was never issued here. */
const MAX_TOKEN_LENGTH = 4096;

/**
 * Refresh-token rotation with reuse detection, shared by every instance (RFC 9700 §4.14.2, OAuth 2.1 §4.3.1, and the
 * MCP 2026-07-28 rule that public clients' refresh tokens rotate).
 *
 * Each token belongs to a family (one sign-in). {@link rotate} retires the presented token and returns its successor
 * with a compare-and-set on the token's record, so of any number of concurrent rotations of one token, on any number
 * of instances, exactly one wins. Presenting a retired token again is reuse: the family is revoked, which kills every
 * token of it, including successors already issued, because every `rotate` and `verify` checks the family record.
 *
 * Tokens are stored only under {@link TokenStoreOptions.keyHasher} of the token. The family's `data` (subject,
 * client, scopes, upstream token id ...) is stored once per family, encrypted at rest when the store is wrapped with
 * `@oauth-store/envelope`.
 */
export class RefreshTokenFamilies<T = Record<string, unknown>> {
  readonly #store: ByteStore;
  readonly #tokens: string;
  readonly #families: string;
  readonly #hash: KeyHasher;
  readonly #now: () => number;
  readonly #tokenTtlMs: number;
  readonly #familyTtlMs: number;
  readonly #graceMs: number;

  constructor(store: ByteStore, options: RefreshTokenFamiliesOptions = {}) {
    const resolved = resolveTokenStoreOptions(store, options, SOURCE);
    assertAtomicStore(resolved.store, SOURCE, 'two instances could both rotate one refresh token');
    this.#store = resolved.store;
    this.#tokens = `${resolved.prefix}refresh-tokens`;
    this.#families = `${resolved.prefix}refresh-families`;
    this.#hash = resolved.keyHasher;
    this.#now = resolved.now;
    this.#tokenTtlMs = durationOption(options.tokenTtlMs, DEFAULT_REFRESH_TTLS.tokenTtlMs, 'tokenTtlMs', SOURCE);
    this.#familyTtlMs = durationOption(options.familyTtlMs, DEFAULT_REFRESH_TTLS.familyTtlMs, 'familyTtlMs', SOURCE);
    this.#graceMs = durationOption(options.graceMs, 0, 'graceMs', SOURCE, { min: 0, max: 60_000 });
  }

  /** Starts a family: stores `data` with it and returns its first refresh token. */
  async issue(data: T): Promise<IssuedRefreshToken> {
    const now = this.#now();
    const familyId = newOpaqueToken(16);
    const family: FamilyRecord<T> = {
      familyId,
      status: 'active',
      createdAt: now,
      expiresAt: now + this.#familyTtlMs,
      data,
    };
    // Encoding first: bad data throws InvalidValueError before anything is written.
    const familyBytes = encodeRecord(family);
    const created = await this.#store.set(this.#families, familyId, familyBytes, {
      ttlMs: this.#familyTtlMs,
      onlyIfAbsent: true,
    });
    // 128 random bits never collide in practice; never adopt someone else's family if they somehow do.
    if (!created)
      throw new ConflictError('a new refresh-token family id already existed; try again.', { source: SOURCE });
    const { token, expiresAt } = await this.#createToken(familyId, now, family.expiresAt);
    return { token, familyId, expiresAt: new Date(expiresAt) };
  }

  /**
   * Retires `token` and returns its successor. Exactly one of concurrent rotations of one token wins; a token that
   * was already rotated is reuse and revokes its family (unless the grace window applies; see
   * {@link RefreshTokenFamiliesOptions.graceMs}).
   */
  async rotate(token: string): Promise<RotateResult<T>> {
    if (!isPlausibleToken(token)) return { ok: false, reason: 'unknown' };
    const key = this.#hash(token);
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt += 1) {
      const entry = await this.#store.getEntry(this.#tokens, key);
      if (!entry) return { ok: false, reason: 'unknown' };
      const record = decodeTokenRecord(entry.value);
      const family = await this.#family(record.familyId);
      const now = this.#now();
      if (!family || family.expiresAt <= now) return { ok: false, reason: 'unknown' };
      if (family.status === 'revoked') return { ok: false, reason: 'revoked', familyId: record.familyId };
      if (record.state === 'retired') return this.#presentedRetired(token, record, family, now);
      const tokenLeftMs = record.expiresAt - now;
      if (tokenLeftMs <= 0) return { ok: false, reason: 'unknown' };

      // The successor is written first: if this rotation loses, or the process dies before the retire lands, it is
      // an orphan nobody holds; the other order could retire a token without any successor ever reaching the client.
      const successor = await this.#createToken(record.familyId, now, family.expiresAt);
      const retired: TokenRecord = {
        ...record,
        state: 'retired',
        retiredAt: now,
        successorHash: successor.hash,
        ...(this.#graceMs > 0
          ? { graceUntil: now + this.#graceMs, sealedSuccessor: sealSuccessor(token, successor.token) }
          : {}),
      };
      // The retired record is kept until the token would have expired, so a replay until then is seen as reuse.
      const won = await this.#store.set(this.#tokens, key, encodeRecord(retired), {
        ifVersion: entry.version,
        ttlMs: Math.ceil(tokenLeftMs),
      });
      if (won) {
        return {
          ok: true,
          token: successor.token,
          familyId: record.familyId,
          data: family.data,
          expiresAt: new Date(successor.expiresAt),
          viaGrace: false,
        };
      }
      // Lost the compare-and-set: someone else rotated (or revoked) first. Drop the orphan and look again.
      await this.#store.delete(this.#tokens, successor.hash);
    }
    // Every attempt lost to a concurrent writer: report it as reuse would be wrong, so call it unknown (rejected).
    return { ok: false, reason: 'unknown' };
  }

  /** Reads a token without changing anything; a retired token is reported, not treated as reuse. */
  async verify(token: string): Promise<VerifyRefreshResult<T>> {
    if (!isPlausibleToken(token)) return { ok: false, reason: 'unknown' };
    const bytes = await this.#store.get(this.#tokens, this.#hash(token));
    if (!bytes) return { ok: false, reason: 'unknown' };
    const record = decodeTokenRecord(bytes);
    const family = await this.#family(record.familyId);
    const now = this.#now();
    if (!family || family.expiresAt <= now || record.expiresAt <= now) return { ok: false, reason: 'unknown' };
    if (family.status === 'revoked') return { ok: false, reason: 'revoked', familyId: record.familyId };
    if (record.state === 'retired') return { ok: false, reason: 'retired', familyId: record.familyId };
    return { ok: true, familyId: record.familyId, data: family.data, expiresAt: new Date(record.expiresAt) };
  }

  /** Revokes the family `token` belongs to (RFC 7009 revocation of a refresh token). True when a family was revoked. */
  async revoke(token: string): Promise<boolean> {
    if (!isPlausibleToken(token)) return false;
    const bytes = await this.#store.get(this.#tokens, this.#hash(token));
    if (!bytes) return false;
    return this.revokeFamily(decodeTokenRecord(bytes).familyId, 'revoked');
  }

  /**
   * Revokes a whole family: every token of it, issued or yet to be presented, is refused from now on, on every
   * instance. The family record stays (marked revoked) until the family would have expired. True when it existed.
   */
  async revokeFamily(familyId: string, reason = 'revoked'): Promise<boolean> {
    if (typeof familyId !== 'string' || familyId.length === 0 || familyId.length > 256) return false;
    const family = await this.#family(familyId);
    if (!family) return false;
    if (family.status === 'revoked') return true;
    const leftMs = family.expiresAt - this.#now();
    if (leftMs <= 0) return false;
    // A plain write is enough: revocation is final, and the only other writer of a family record is its creation.
    const revoked: FamilyRecord<T> = { ...family, status: 'revoked', revokedAt: this.#now(), revokedReason: reason };
    await this.#store.set(this.#families, familyId, encodeRecord(revoked), { ttlMs: Math.ceil(leftMs) });
    return true;
  }

  async #presentedRetired(
    token: string,
    record: TokenRecord,
    family: FamilyRecord<T>,
    now: number,
  ): Promise<RotateResult<T>> {
    if (record.graceUntil !== undefined && now <= record.graceUntil && record.sealedSuccessor && record.successorHash) {
      const successorBytes = await this.#store.get(this.#tokens, record.successorHash);
      const successor = successorBytes ? decodeTokenRecord(successorBytes) : undefined;
      // Only while the successor is still unused: once it was rotated, the old token is plain reuse.
      if (successor?.state === 'active' && successor.expiresAt > now) {
        return {
          ok: true,
          token: openSuccessor(token, record.sealedSuccessor),
          familyId: record.familyId,
          data: family.data,
          expiresAt: new Date(successor.expiresAt),
          viaGrace: true,
        };
      }
    }
    await this.revokeFamily(record.familyId, 'reuse');
    return { ok: false, reason: 'reused', familyId: record.familyId };
  }

  async #createToken(
    familyId: string,
    now: number,
    familyExpiresAt: number,
  ): Promise<{ token: string; hash: string; expiresAt: number }> {
    const expiresAt = Math.min(now + this.#tokenTtlMs, familyExpiresAt);
    const token = newOpaqueToken();
    const hash = this.#hash(token);
    const record: TokenRecord = { familyId, state: 'active', issuedAt: now, expiresAt };
    const created = await this.#store.set(this.#tokens, hash, encodeRecord(record), {
      ttlMs: Math.max(1, Math.ceil(expiresAt - now)),
      onlyIfAbsent: true,
    });
    if (!created) throw new ConflictError('a new refresh token already existed; try again.', { source: SOURCE });
    return { token, hash, expiresAt };
  }

  async #family(familyId: string): Promise<FamilyRecord<T> | undefined> {
    const bytes = await this.#store.get(this.#families, familyId);
    if (!bytes) return undefined;
    const family = decodeRecord(bytes) as FamilyRecord<T>;
    if (!family || typeof family !== 'object' || typeof family.expiresAt !== 'number' || !family.status) {
      throw new IntegrityError('a stored refresh-token family has an unexpected shape; it was not written here.', {
        source: SOURCE,
      });
    }
    return family;
  }
}

function isPlausibleToken(token: unknown): token is string {
  return typeof token === 'string' && token.length > 0 && token.length <= MAX_TOKEN_LENGTH;
}

function decodeTokenRecord(bytes: Uint8Array): TokenRecord {
  const record = decodeRecord(bytes) as TokenRecord;
  if (
    !record ||
    typeof record !== 'object' ||
    typeof record.familyId !== 'string' ||
    (record.state !== 'active' && record.state !== 'retired') ||
    typeof record.expiresAt !== 'number'
  ) {
    throw new IntegrityError('a stored refresh token record has an unexpected shape; it was not written here.', {
      source: SOURCE,
    });
  }
  return record;
}
