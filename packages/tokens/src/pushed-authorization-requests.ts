import { type ByteStore, decodeRecord, encodeRecord, InvalidValueError, type KeyHasher } from '@oauth-store/core';
import {
  assertAtomicStore,
  durationOption,
  newOpaqueToken,
  resolveTokenStoreOptions,
  type TokenStoreOptions,
} from './shared-options';

const SOURCE = 'pushed-authorization-requests';
/** The URN prefix of every `request_uri` (RFC 9126 §2.2). */
export const REQUEST_URI_PREFIX = 'urn:ietf:params:oauth:request_uri:';
/** Shortest and longest lifetimes accepted (ms): RFC 9126 §2.2 suggests 5 to 600 seconds. */
export const PAR_LIFETIME_RANGE = { min: 5_000, max: 600_000 } as const;

/** Options of {@link PushedAuthorizationRequests}. */
export interface PushedAuthorizationRequestsOptions extends TokenStoreOptions {
  /** Lifetime of a `request_uri` when `push` names none (ms, 5 to 600 s). Default 60 s. */
  defaultLifetimeMs?: number;
}

/** Options of one {@link PushedAuthorizationRequests.push}. */
export interface PushOptions {
  /** Lifetime of this `request_uri` (ms, 5 to 600 s). */
  lifetimeMs?: number;
  /** The authenticated client that pushed it; `consume` then refuses it to any other client (RFC 9126 §4). */
  clientId?: string;
}

/** What `push` returns: the body of the PAR endpoint's 201 answer (RFC 9126 §2.2). */
export interface PushedRequest {
  /** `urn:ietf:params:oauth:request_uri:<256 random bits>`. */
  requestUri: string;
  /** Seconds until it expires. */
  expiresIn: number;
}

/** Result of {@link PushedAuthorizationRequests.consume}. */
export type ConsumePushedResult<T> =
  | { ok: true; payload: T; clientId?: string }
  | {
      ok: false;
      /**
       * `unknown`: never pushed, already used or expired (answer `invalid_request_uri`). `client_mismatch`: pushed by
       * another client; it is consumed anyway, so the rightful client cannot be raced by an attacker holding it.
       */
      reason: 'unknown' | 'client_mismatch';
    };

interface StoredPush<T> {
  payload: T;
  clientId?: string;
}

/**
 * Pushed authorization requests (RFC 9126): the PAR endpoint stores the request and answers a `request_uri`; the
 * authorization endpoint consumes it exactly once, on any instance (an atomic take). Keys are
 * `keyHasher(request_uri)`; the payload is encrypted at rest when the store is wrapped with `@oauth-store/envelope`.
 */
export class PushedAuthorizationRequests<T = Record<string, unknown>> {
  readonly #store: ByteStore;
  readonly #collection: string;
  readonly #hash: KeyHasher;
  readonly #defaultLifetimeMs: number;

  constructor(store: ByteStore, options: PushedAuthorizationRequestsOptions = {}) {
    const resolved = resolveTokenStoreOptions(store, options, SOURCE);
    assertAtomicStore(resolved.store, SOURCE, 'a request_uri could be used twice');
    this.#store = resolved.store;
    this.#collection = `${resolved.prefix}par`;
    this.#hash = resolved.keyHasher;
    this.#defaultLifetimeMs = durationOption(
      options.defaultLifetimeMs,
      60_000,
      'defaultLifetimeMs',
      SOURCE,
      PAR_LIFETIME_RANGE,
    );
  }

  /** Stores the request's parameters and returns its one-time `request_uri`. */
  async push(payload: T, options: PushOptions = {}): Promise<PushedRequest> {
    let lifetimeMs: number;
    try {
      lifetimeMs = durationOption(
        options?.lifetimeMs,
        this.#defaultLifetimeMs,
        'lifetimeMs',
        SOURCE,
        PAR_LIFETIME_RANGE,
      );
    } catch (error) {
      throw new InvalidValueError((error as Error).message.replace(`${SOURCE}: `, ''), { source: SOURCE });
    }
    const clientId = options?.clientId;
    if (clientId !== undefined && (typeof clientId !== 'string' || clientId.length === 0)) {
      throw new InvalidValueError('clientId must be a non-empty string.', { source: SOURCE });
    }
    const stored: StoredPush<T> = { payload, ...(clientId === undefined ? {} : { clientId }) };
    const bytes = encodeRecord(stored);
    const requestUri = `${REQUEST_URI_PREFIX}${newOpaqueToken()}`;
    await this.#store.set(this.#collection, this.#hash(requestUri), bytes, { ttlMs: lifetimeMs, onlyIfAbsent: true });
    return { requestUri, expiresIn: Math.floor(lifetimeMs / 1000) };
  }

  /**
   * Takes the request: of concurrent consumers on any number of instances, one gets it; every later call answers
   * `unknown`. Pass the authenticated `clientId` at the authorization endpoint to enforce RFC 9126 §4's binding.
   */
  async consume(requestUri: string, options: { clientId?: string } = {}): Promise<ConsumePushedResult<T>> {
    if (typeof requestUri !== 'string' || !requestUri.startsWith(REQUEST_URI_PREFIX) || requestUri.length > 512) {
      return { ok: false, reason: 'unknown' };
    }
    const bytes = await this.#store.take(this.#collection, this.#hash(requestUri));
    if (!bytes) return { ok: false, reason: 'unknown' };
    const stored = decodeRecord(bytes) as StoredPush<T>;
    if (options?.clientId !== undefined && stored.clientId !== undefined && stored.clientId !== options.clientId) {
      return { ok: false, reason: 'client_mismatch' };
    }
    return {
      ok: true,
      payload: stored.payload,
      ...(stored.clientId === undefined ? {} : { clientId: stored.clientId }),
    };
  }
}
