import { type ByteStore, InvalidValueError, type KeyHasher } from '@oauth-store/core';
import { assertAtomicStore, durationOption, resolveTokenStoreOptions, type TokenStoreOptions } from './shared-options';

const SOURCE = 'replay-cache';
const MARK = new Uint8Array([1]);

/** Options of {@link ReplayCache}. */
export interface ReplayCacheOptions extends TokenStoreOptions {
  /**
   * Clock skew tolerated (ms): a `jti` is remembered until its `expiresAt` plus this, because a verifier that
   * accepts a token up to that much after its `exp` must still recognise a replay of it. Use the same tolerance your
   * JWT verification uses. Default 60 s.
   */
  clockSkewMs?: number;
  /**
   * Longest a `jti` may be remembered (ms). A proof or assertion claiming to live longer is refused with
   * {@link InvalidValueError}: accepting it would either hold the entry that long or forget it while the token is
   * still valid. DPoP proofs and client assertions live seconds to minutes. Default 1 hour.
   */
  maxLifetimeMs?: number;
}

/** Options of one {@link ReplayCache.check}. */
export interface ReplayCheckOptions {
  /**
   * Namespace of the `jti`: ids only collide within one scope. Use one per kind of token and issuer, for example
   * `dpop`, `client-assertion:<client_id>`, `id-jag:<issuer>`. Default `default`.
   */
  scope?: string;
}

/** Answer of {@link ReplayCache.check}. `expired`: the token's lifetime (plus skew) is over; reject it anyway. */
export type ReplayVerdict = 'first_seen' | 'replayed' | 'expired';

/**
 * Remembers `jti`s so each is accepted once across every instance: DPoP proofs (RFC 9449 §11.1), `private_key_jwt`
 * client assertions (RFC 7523 §3, item 7), ID-JAG assertions. `check` is one conditional create, atomic in the
 * backend, so of concurrent checks of one `jti` on any number of instances exactly one answers `first_seen`.
 * Keys are `keyHasher(scope + jti)`: the backend never holds the ids themselves.
 *
 * Call `check` only after the token's signature and claims verified, or an attacker could fill the cache with junk.
 */
export class ReplayCache {
  readonly #store: ByteStore;
  readonly #collection: string;
  readonly #hash: KeyHasher;
  readonly #now: () => number;
  readonly #skewMs: number;
  readonly #maxLifetimeMs: number;

  constructor(store: ByteStore, options: ReplayCacheOptions = {}) {
    const resolved = resolveTokenStoreOptions(store, options, SOURCE);
    assertAtomicStore(resolved.store, SOURCE, 'one jti could be accepted by two instances');
    this.#store = resolved.store;
    this.#collection = `${resolved.prefix}jti`;
    this.#hash = resolved.keyHasher;
    this.#now = resolved.now;
    this.#skewMs = durationOption(options.clockSkewMs, 60_000, 'clockSkewMs', SOURCE, { min: 0, max: 3_600_000 });
    this.#maxLifetimeMs = durationOption(options.maxLifetimeMs, 3_600_000, 'maxLifetimeMs', SOURCE);
  }

  /**
   * Records `jti` as seen until `expiresAt` (+ clock skew). `first_seen` the first time, `replayed` afterwards.
   * `expiresAt` is a Date or epoch milliseconds (a JWT `exp` is seconds: pass `exp * 1000`).
   */
  async check(jti: string, expiresAt: Date | number, options: ReplayCheckOptions = {}): Promise<ReplayVerdict> {
    if (typeof jti !== 'string' || jti.length === 0 || jti.length > 1024) {
      throw new InvalidValueError('jti must be a non-empty string of at most 1024 characters.', { source: SOURCE });
    }
    const scope = options?.scope ?? 'default';
    if (typeof scope !== 'string' || scope.length === 0 || scope.length > 256) {
      throw new InvalidValueError('scope must be a non-empty string of at most 256 characters.', { source: SOURCE });
    }
    const expiry = expiresAt instanceof Date ? expiresAt.getTime() : expiresAt;
    if (typeof expiry !== 'number' || !Number.isFinite(expiry)) {
      throw new InvalidValueError('expiresAt must be a valid Date or epoch milliseconds (a JWT exp times 1000).', {
        source: SOURCE,
      });
    }
    const rememberMs = expiry + this.#skewMs - this.#now();
    if (rememberMs <= 0) return 'expired';
    if (rememberMs > this.#maxLifetimeMs + this.#skewMs) {
      throw new InvalidValueError(
        `the token lives ${Math.round(rememberMs / 1000)} s from now, longer than maxLifetimeMs allows; refuse tokens with so long a lifetime, or raise maxLifetimeMs.`,
        { source: SOURCE },
      );
    }
    // The NUL separator keeps ("a", "b:c") and ("a:b", "c") apart.
    const key = this.#hash(`${scope}\u0000${jti}`);
    const created = await this.#store.set(this.#collection, key, MARK, {
      ttlMs: Math.ceil(rememberMs),
      onlyIfAbsent: true,
    });
    return created ? 'first_seen' : 'replayed';
  }
}
