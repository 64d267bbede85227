import type { JsonWebKey } from 'node:crypto';
import {
  type ByteStore,
  ConfigurationError,
  decodeRecord,
  encodeRecord,
  IntegrityError,
  InvalidValueError,
  type KeySource,
} from '@oauth-store/core';
import { createLocalJWKSet, errors, type JSONWebKeySet, type JWTPayload, jwtVerify, SignJWT } from 'jose';
import { durationOption } from './shared-options';
import {
  deriveSigningKey,
  generateSigningKey,
  SIGNING_ALGORITHMS,
  type SigningAlgorithm,
  type SigningKeyMaterial,
} from './signing-key-material';

const SOURCE = 'signing-keyring';
const HOUR = 60 * 60 * 1000;
const DAY = 24 * HOUR;
/** The one entry that holds a stored keyring. */
const KEYRING_KEY = 'keyring';
/** Shortest gap between two reloads forced by an unknown `kid` (so junk tokens cannot hammer the store). */
const UNKNOWN_KID_RELOAD_GAP_MS = 1_000;

/** Options of {@link SigningKeyring}. Exactly one of `store` and `keySource`. */
export interface SigningKeyringOptions {
  /**
   * Generated mode: the keyring lives in this shared store (encrypted at rest when the store is wrapped with
   * `@oauth-store/envelope`, which you should do: the entry holds private keys). The first instance creates it with a
   * conditional create; the others load it. Rotation is scheduled (see `rotationIntervalMs`).
   */
  store?: ByteStore;
  /**
   * Key-source mode: keys derived from the material of a key source (`@oauth-store/secrets-*`, `envKeySource`, ...):
   * the primary signs, the decrypt-only versions verify. Nothing is stored; rotation is the secret manager's (publish
   * the next version as decrypt-only first, promote it once every instance has reloaded). ES256 and EdDSA only.
   */
  keySource?: KeySource;
  /** Signing algorithm. Default `ES256`. */
  algorithm?: SigningAlgorithm;
  /** Collection-name prefix in the store. Default `tokens:`. */
  prefix?: string;
  /** Generated mode: how long each key signs (ms). Default 30 days. */
  rotationIntervalMs?: number;
  /**
   * Generated mode: how long the next key is published in the JWKS before it signs (ms), so every verifier (and every
   * relying party caching the JWKS) knows it first. At least twice `refreshIntervalMs`. Default 1 day.
   */
  prepublishMs?: number;
  /**
   * Longest lifetime of a token this keyring signs (ms). A retired key stays in the JWKS and verifies for this long
   * after it stopped signing, then is dropped. `sign` refuses longer lifetimes. Default 1 day.
   */
  maxTokenLifetimeMs?: number;
  /** How often an instance re-reads the keyring (or reloads the key source) (ms). Default 5 minutes. */
  refreshIntervalMs?: number;
  /** Clock tolerance of `verify` for `exp`/`nbf`/`iat` (ms). Default 30 s. */
  clockToleranceMs?: number;
  /** Clock (epoch ms), for tests. Default `Date.now`. */
  now?: () => number;
}

/** Options of one {@link SigningKeyring.sign}. */
export interface SignOptions {
  /** Token lifetime (ms); at most `maxTokenLifetimeMs`. Default the smaller of 1 hour and `maxTokenLifetimeMs`. */
  expiresInMs?: number;
  issuer?: string;
  audience?: string | string[];
  subject?: string;
  /** JOSE `typ` header, for example `at+jwt` (RFC 9068). */
  type?: string;
}

/** Options of one {@link SigningKeyring.verify}. */
export interface VerifyOptions {
  issuer?: string | string[];
  audience?: string | string[];
  /** Required `typ` header. */
  type?: string;
}

/** Result of {@link SigningKeyring.verify}. */
export type VerifyJwtResult =
  | { ok: true; payload: JWTPayload; kid: string }
  | {
      ok: false;
      /**
       * `unknown_key`: no key of the keyring (any more) has this `kid`. `expired`: past `exp`. `invalid`: bad
       * signature, malformed, or a claim check failed (issuer, audience, typ, nbf).
       */
      reason: 'unknown_key' | 'expired' | 'invalid';
    };

/** A key of the stored keyring with its schedule. */
interface ScheduledKey extends SigningKeyMaterial {
  /** When it starts signing (epoch ms). It stops when the next key activates. */
  activatesAt: number;
}

interface StoredKeyring {
  keys: ScheduledKey[];
}

/** The keys an instance holds at one moment. */
interface LoadedKeyring {
  /** The key that signs now. */
  signing: ScheduledKey;
  /** Everything published: the signing key, the pre-published next one, retired ones still verifying. */
  keys: ScheduledKey[];
  jwks: JSONWebKeySet;
  verifier: ReturnType<typeof createLocalJWKSet>;
  loadedAt: number;
}

/**
 * The signing keys of a fleet: every instance signs with the same current key and verifies with every published one,
 * so a token signed on one instance verifies on all (the "invalid_token on the next instance" failure of per-process
 * keys). Publish {@link publicJwks} at your `/jwks` endpoint (or `jwks_uri`).
 *
 * Generated mode (a `store`): the first instance generates the first key and wins a conditional create; the others
 * load it. Rotation is scheduled: `prepublishMs` before a key's turn ends, whichever instance notices first publishes
 * the next key (compare-and-set, so only one does); it appears in the JWKS before it signs, and the previous key keeps
 * verifying for `maxTokenLifetimeMs` after it stopped signing.
 */
export class SigningKeyring {
  readonly #store: ByteStore | undefined;
  readonly #keySource: KeySource | undefined;
  readonly #collection: string;
  readonly #alg: SigningAlgorithm;
  readonly #rotationMs: number;
  readonly #prepublishMs: number;
  readonly #maxTokenLifetimeMs: number;
  readonly #refreshMs: number;
  readonly #toleranceMs: number;
  readonly #now: () => number;
  #loaded: LoadedKeyring | undefined;
  #loading: Promise<LoadedKeyring> | undefined;
  #lastForcedReload = Number.NEGATIVE_INFINITY;

  constructor(options: SigningKeyringOptions) {
    if (!options || typeof options !== 'object') {
      throw new ConfigurationError('SigningKeyring needs options: { store } or { keySource }.', { source: SOURCE });
    }
    const { store, keySource } = options;
    if ((store === undefined) === (keySource === undefined)) {
      throw new ConfigurationError(
        'pass exactly one of store (keys generated once and shared through the store) and keySource (keys derived from a secret).',
        { source: SOURCE },
      );
    }
    if (store !== undefined && (typeof store.getEntry !== 'function' || !store.capabilities?.compareAndSet)) {
      throw new ConfigurationError(
        'the store must support atomic compare-and-set (contract v2), or two instances could publish different keys.',
        { source: SOURCE },
      );
    }
    if (keySource !== undefined && typeof keySource.load !== 'function') {
      throw new ConfigurationError('keySource must be a KeySource (an object with load()).', { source: SOURCE });
    }
    const alg = options.algorithm ?? 'ES256';
    if (!SIGNING_ALGORITHMS.includes(alg)) {
      throw new ConfigurationError(`algorithm must be one of ${SIGNING_ALGORITHMS.join(', ')}.`, { source: SOURCE });
    }
    if (keySource && alg === 'RS256') {
      throw new ConfigurationError('RS256 keys cannot be derived from a key source; use ES256 or EdDSA.', {
        source: SOURCE,
      });
    }
    const prefix = options.prefix ?? 'tokens:';
    if (typeof prefix !== 'string' || prefix.length === 0 || prefix.length > 64) {
      throw new ConfigurationError('prefix must be a string of 1 to 64 characters.', { source: SOURCE });
    }
    this.#store = store;
    this.#keySource = keySource;
    this.#collection = `${prefix}signing-keys`;
    this.#alg = alg;
    this.#rotationMs = durationOption(options.rotationIntervalMs, 30 * DAY, 'rotationIntervalMs', SOURCE);
    this.#refreshMs = durationOption(options.refreshIntervalMs, 5 * 60_000, 'refreshIntervalMs', SOURCE);
    this.#prepublishMs = durationOption(options.prepublishMs, DAY, 'prepublishMs', SOURCE, {
      min: 2 * this.#refreshMs,
    });
    if (this.#prepublishMs >= this.#rotationMs) {
      throw new ConfigurationError('prepublishMs must be shorter than rotationIntervalMs.', { source: SOURCE });
    }
    this.#maxTokenLifetimeMs = durationOption(options.maxTokenLifetimeMs, DAY, 'maxTokenLifetimeMs', SOURCE);
    this.#toleranceMs = durationOption(options.clockToleranceMs, 30_000, 'clockToleranceMs', SOURCE, { min: 0 });
    this.#now = options.now ?? Date.now;
  }

  /** The public keys to serve at `/jwks`: the signing key, the next one (pre-published) and those still verifying. */
  async publicJwks(): Promise<JSONWebKeySet> {
    return structuredClone((await this.#current()).jwks);
  }

  /** Signs a JWT with the current key (`kid` in the header), `iat`/`exp` from the keyring's clock. */
  async sign(payload: JWTPayload, options: SignOptions = {}): Promise<string> {
    if (!payload || typeof payload !== 'object' || Array.isArray(payload)) {
      throw new InvalidValueError('payload must be a JSON object of claims.', { source: SOURCE });
    }
    const expiresInMs = options.expiresInMs ?? Math.min(HOUR, this.#maxTokenLifetimeMs);
    if (
      typeof expiresInMs !== 'number' ||
      !Number.isSafeInteger(expiresInMs) ||
      expiresInMs < 1_000 ||
      expiresInMs > this.#maxTokenLifetimeMs
    ) {
      throw new InvalidValueError(
        `expiresInMs must be a whole number of milliseconds from 1000 to maxTokenLifetimeMs (${this.#maxTokenLifetimeMs}); retired keys verify only that long.`,
        { source: SOURCE },
      );
    }
    const { signing } = await this.#current();
    const nowSeconds = Math.floor(this.#now() / 1000);
    let jwt = new SignJWT(payload)
      .setProtectedHeader({ alg: signing.alg, kid: signing.kid, ...(options.type ? { typ: options.type } : {}) })
      .setIssuedAt(nowSeconds)
      .setExpirationTime(nowSeconds + Math.floor(expiresInMs / 1000));
    if (options.issuer) jwt = jwt.setIssuer(options.issuer);
    if (options.audience) jwt = jwt.setAudience(options.audience);
    if (options.subject) jwt = jwt.setSubject(options.subject);
    return jwt.sign(signing.privateJwk as never);
  }

  /** Verifies a JWT signed by any published key of the keyring, on the keyring's clock. Never throws for bad tokens. */
  async verify(token: string, options: VerifyOptions = {}): Promise<VerifyJwtResult> {
    if (typeof token !== 'string' || token.length === 0 || token.length > 16_384)
      return { ok: false, reason: 'invalid' };
    let loaded = await this.#current();
    let result = await this.#verifyWith(loaded, token, options);
    // Another instance may have published a key this one has not loaded yet: reload once, rate-limited.
    if (
      !result.ok &&
      result.reason === 'unknown_key' &&
      this.#now() - this.#lastForcedReload >= UNKNOWN_KID_RELOAD_GAP_MS
    ) {
      this.#lastForcedReload = this.#now();
      loaded = await this.#reload();
      result = await this.#verifyWith(loaded, token, options);
    }
    return result;
  }

  /** Re-reads the keyring now (and runs due rotation), instead of waiting for `refreshIntervalMs`. */
  async refresh(): Promise<void> {
    await this.#reload();
  }

  async #verifyWith(loaded: LoadedKeyring, token: string, options: VerifyOptions): Promise<VerifyJwtResult> {
    try {
      const { payload, protectedHeader } = await jwtVerify(token, loaded.verifier, {
        algorithms: [...new Set(loaded.keys.map((key) => key.alg))],
        currentDate: new Date(this.#now()),
        clockTolerance: Math.floor(this.#toleranceMs / 1000),
        ...(options.issuer ? { issuer: options.issuer } : {}),
        ...(options.audience ? { audience: options.audience } : {}),
        ...(options.type ? { typ: options.type } : {}),
      });
      return { ok: true, payload, kid: protectedHeader.kid as string };
    } catch (error) {
      if (error instanceof errors.JWKSNoMatchingKey) return { ok: false, reason: 'unknown_key' };
      if (error instanceof errors.JWTExpired) return { ok: false, reason: 'expired' };
      return { ok: false, reason: 'invalid' };
    }
  }

  async #current(): Promise<LoadedKeyring> {
    const loaded = this.#loaded;
    if (loaded && this.#now() - loaded.loadedAt < this.#refreshMs && loaded.signing.activatesAt <= this.#now()) {
      // Also switch to a pre-published key whose turn has come without waiting for the refresh.
      const due = latestActive(loaded.keys, this.#now());
      return due === loaded.signing ? loaded : this.#reload();
    }
    return this.#reload();
  }

  #reload(): Promise<LoadedKeyring> {
    // Concurrent callers in this process share one load.
    this.#loading ??= (this.#keySource ? this.#loadFromSource() : this.#loadFromStore()).finally(() => {
      this.#loading = undefined;
    });
    return this.#loading;
  }

  async #loadFromSource(): Promise<LoadedKeyring> {
    const source = this.#keySource as KeySource;
    const material = await source.load();
    const signing = { ...(await deriveSigningKey(this.#alg, material.primary.key)), activatesAt: 0 };
    const others = await Promise.all(
      material.decryptOnly.map(async (version) => ({
        ...(await deriveSigningKey(this.#alg, version.key)),
        activatesAt: 0,
      })),
    );
    return this.#install(signing, [signing, ...others.filter((key) => key.kid !== signing.kid)]);
  }

  async #loadFromStore(): Promise<LoadedKeyring> {
    const store = this.#store as ByteStore;
    for (let attempt = 0; attempt < 5; attempt += 1) {
      const entry = await store.getEntry(this.#collection, KEYRING_KEY);
      const now = this.#now();
      const stored = entry ? decodeKeyring(entry.value) : { keys: [] };
      const wanted = await this.#schedule(stored, now);
      if (wanted === stored) return this.#installStored(stored, now);
      const bytes = encodeRecord(wanted as never);
      const written = entry
        ? await store.set(this.#collection, KEYRING_KEY, bytes, { ifVersion: entry.version })
        : await store.set(this.#collection, KEYRING_KEY, bytes, { onlyIfAbsent: true });
      if (written) return this.#installStored(wanted, now);
      // Another instance created or rotated the keyring first: load what it wrote (and check it again).
    }
    throw new ConfigurationError(
      'the signing keyring kept changing under this instance; check that every instance uses the same options.',
      { source: SOURCE },
    );
  }

  /** The keyring as it should be at `now`; the same object when nothing is due. */
  async #schedule(stored: StoredKeyring, now: number): Promise<StoredKeyring> {
    const keys = [...stored.keys].sort((a, b) => a.activatesAt - b.activatesAt);
    let changed = false;
    if (keys.length === 0) {
      keys.push({ ...(await generateSigningKey(this.#alg)), activatesAt: now });
      changed = true;
    }
    const newest = keys[keys.length - 1] as ScheduledKey;
    if (now >= newest.activatesAt + this.#rotationMs - this.#prepublishMs) {
      // After a long outage the scheduled slot may have passed: the next key still gets its full pre-publication.
      const activatesAt = Math.max(newest.activatesAt + this.#rotationMs, now + this.#prepublishMs);
      keys.push({ ...(await generateSigningKey(this.#alg)), activatesAt });
      changed = true;
    }
    // A key that stopped signing (its successor activated) is kept while tokens it signed can still be valid.
    const kept = keys.filter((_key, index) => {
      const next = keys[index + 1];
      return next === undefined || next.activatesAt + this.#maxTokenLifetimeMs + this.#toleranceMs > now;
    });
    if (kept.length !== keys.length) changed = true;
    return changed ? { keys: kept } : stored;
  }

  #installStored(stored: StoredKeyring, now: number): LoadedKeyring {
    const signing = latestActive(stored.keys, now);
    if (!signing) {
      throw new IntegrityError('the stored signing keyring has no key whose turn has come.', { source: SOURCE });
    }
    return this.#install(signing, stored.keys);
  }

  #install(signing: ScheduledKey, keys: ScheduledKey[]): LoadedKeyring {
    const jwks: JSONWebKeySet = { keys: keys.map((key) => ({ ...key.publicJwk }) as never) };
    const loaded: LoadedKeyring = {
      signing,
      keys,
      jwks,
      verifier: createLocalJWKSet(jwks),
      loadedAt: this.#now(),
    };
    this.#loaded = loaded;
    return loaded;
  }
}

/** The key with the latest activation not after `now`. */
function latestActive(keys: readonly ScheduledKey[], now: number): ScheduledKey | undefined {
  let chosen: ScheduledKey | undefined;
  for (const key of keys) if (key.activatesAt <= now && (!chosen || key.activatesAt > chosen.activatesAt)) chosen = key;
  return chosen;
}

function decodeKeyring(bytes: Uint8Array): StoredKeyring {
  const value = decodeRecord(bytes) as StoredKeyring;
  if (
    !value ||
    !Array.isArray(value.keys) ||
    value.keys.some(
      (key) =>
        !key ||
        typeof key.kid !== 'string' ||
        typeof key.activatesAt !== 'number' ||
        !SIGNING_ALGORITHMS.includes(key.alg) ||
        !isJwk(key.privateJwk) ||
        !isJwk(key.publicJwk),
    )
  ) {
    throw new IntegrityError('the stored signing keyring has an unexpected shape; it was not written here.', {
      source: SOURCE,
    });
  }
  return value;
}

function isJwk(value: unknown): value is JsonWebKey {
  return !!value && typeof value === 'object' && typeof (value as JsonWebKey).kty === 'string';
}
