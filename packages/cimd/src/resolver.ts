import { randomBytes } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import {
  assertStore,
  type ByteStore,
  type ClientStore,
  ConfigurationError,
  type OAuthClientInformationFull,
} from '@oauth-store/core';
import { AddressPolicy, type AddressPolicyOptions } from './address-policy';
import { freshnessOf } from './cache-policy';
import { type CacheRecord, decodeCacheRecord, documentKey, encodeCacheRecord, lockKey } from './cache-record';
import { looksLikeDocumentUrl, parseClientIdUrl } from './client-id-url';
import { CimdResolutionError, isTransientReason } from './errors';
import type { CimdEvent, CimdEventListener } from './events';
import { type FetchSettings, fetchDocument, type HostResolver } from './fetch-document';
import { validateDocument } from './validate-document';

/** Options of {@link CimdClientResolver}. Every duration is in milliseconds. */
export interface CimdResolverOptions extends AddressPolicyOptions {
  /** The shared store documents are cached in. Wrap it with `@oauth-store/envelope` to encrypt them at rest. */
  store: ByteStore;
  /** Registered (DCR) clients, answered for every client_id that is not a document URL. Optional. */
  clients?: ClientStore;
  /** Collection of the cache records and fetch locks. Default `oauth-cimd`. */
  collection?: string;
  /** Largest document accepted, in bytes. Default 5120 (5 KB). */
  maxDocumentBytes?: number;
  /** Deadline of one fetch, redirects and body included. Default 5000. */
  timeoutMs?: number;
  /** Redirects followed, each re-checked (scheme, addresses). Default 0: a redirect is a failure. At most 5. */
  maxRedirects?: number;
  /** Shortest time a document is served from the cache, whatever its headers say. Default 5 min. */
  minTtlMs?: number;
  /** Longest time a document is served from the cache before it is revalidated. Default 24 h. */
  maxTtlMs?: number;
  /** Freshness of a document sent without Cache-Control max-age or Expires (then clamped). Default 1 h. */
  defaultTtlMs?: number;
  /** How long a failed fetch is remembered, so a broken client cannot make every login refetch. Default 30 s. */
  negativeTtlMs?: number;
  /** How long past its freshness a document may still be served while its host is down. Default 1 h. 0 disables. */
  staleIfErrorMs?: number;
  /** Lifetime of the fleet-wide fetch lock; longer than `timeoutMs`, so a crashed holder frees it. Default timeout+5 s. */
  lockTtlMs?: number;
  /** How long an instance waits for another instance's fetch before fetching itself. Default `lockTtlMs`. */
  waitMs?: number;
  /** First polling interval of a waiting instance (doubles up to 250 ms). Default 25. */
  pollMs?: number;
  /** Accept `http://` client_ids. Local development only, with a loopback document; default false. */
  allowHttp?: boolean;
  /** Extra trust for document hosts' TLS certificates (a private CA). Default: Node's CA list. */
  tls?: FetchSettings['tls'];
  /**
   * Resolves a document host name to all its addresses (each is checked; the connection is pinned to the first).
   * Default: the system resolver (`dns.lookup` with `all: true`). For a custom resolver, or tests.
   */
  resolveHost?: HostResolver;
  /** User-Agent of document requests. Default `oauth-store-cimd`. */
  userAgent?: string;
  /** Metrics and logging hook; see {@link CimdEvent}. */
  onEvent?: CimdEventListener;
  /** Clock, for tests. Default `Date.now`. */
  now?: () => number;
}

function positive(name: string, value: number | undefined, fallback: number, min = 1): number {
  const result = value ?? fallback;
  if (!Number.isSafeInteger(result) || result < min) {
    throw new ConfigurationError(`${name} must be an integer of at least ${min}.`, { source: 'cimd' });
  }
  return result;
}

/**
 * Resolves OAuth clients for an MCP authorization server: registered (DCR) clients from core's {@link ClientStore},
 * and, for a client_id that is an `https` URL, its Client ID Metadata Document, fetched safely, validated and cached in
 * the shared store so a fleet of instances fetches each document once (not once per instance) and keeps serving a
 * client whose host is briefly down.
 *
 * @example
 * const resolver = new CimdClientResolver({ store, clients: new ClientStore(store) });
 * const client = await resolver.getClient(clientId); // undefined, a client, or a CimdResolutionError
 */
export class CimdClientResolver {
  readonly #store: ByteStore;
  readonly #clients: ClientStore | undefined;
  readonly #collection: string;
  readonly #fetch: FetchSettings;
  readonly #bounds: { minMs: number; maxMs: number; defaultMs: number };
  readonly #negativeMs: number;
  readonly #staleMs: number;
  readonly #lockMs: number;
  readonly #waitMs: number;
  readonly #pollMs: number;
  readonly #allowHttp: boolean;
  readonly #onEvent: CimdEventListener | undefined;
  readonly #now: () => number;
  /** Resolutions in flight in this process, so concurrent logins of one client share one store round trip. */
  readonly #inFlight = new Map<string, Promise<OAuthClientInformationFull>>();

  constructor(options: CimdResolverOptions) {
    if (!options || typeof options !== 'object') {
      throw new ConfigurationError('CimdClientResolver needs options with at least { store }.', { source: 'cimd' });
    }
    assertStore(options.store, 'cimd');
    this.#store = options.store;
    this.#clients = options.clients;
    this.#collection = options.collection ?? 'oauth-cimd';
    this.#allowHttp = options.allowHttp === true;
    const timeoutMs = positive('timeoutMs', options.timeoutMs, 5000);
    const maxRedirects = positive('maxRedirects', options.maxRedirects, 0, 0);
    if (maxRedirects > 5) throw new ConfigurationError('maxRedirects must be at most 5.', { source: 'cimd' });
    this.#fetch = {
      policy: new AddressPolicy(options),
      timeoutMs,
      maxBytes: positive('maxDocumentBytes', options.maxDocumentBytes, 5120, 256),
      maxRedirects,
      allowHttp: this.#allowHttp,
      ...(options.tls ? { tls: options.tls } : {}),
      userAgent: options.userAgent ?? 'oauth-store-cimd',
      ...(options.resolveHost ? { resolveHost: options.resolveHost } : {}),
    };
    const minMs = positive('minTtlMs', options.minTtlMs, 5 * 60_000);
    const maxMs = positive('maxTtlMs', options.maxTtlMs, 24 * 3_600_000);
    if (maxMs < minMs) throw new ConfigurationError('maxTtlMs must be at least minTtlMs.', { source: 'cimd' });
    this.#bounds = { minMs, maxMs, defaultMs: positive('defaultTtlMs', options.defaultTtlMs, 3_600_000) };
    this.#negativeMs = positive('negativeTtlMs', options.negativeTtlMs, 30_000);
    this.#staleMs = positive('staleIfErrorMs', options.staleIfErrorMs, 3_600_000, 0);
    this.#lockMs = positive('lockTtlMs', options.lockTtlMs, timeoutMs + 5000);
    this.#waitMs = positive('waitMs', options.waitMs, this.#lockMs, 0);
    this.#pollMs = positive('pollMs', options.pollMs, 25);
    this.#onEvent = options.onEvent;
    this.#now = options.now ?? Date.now;
  }

  /** True when this id is resolved as a metadata document (an `https` URL; `http` too with `allowHttp`). */
  isDocumentClientId(clientId: string): boolean {
    return typeof clientId === 'string' && looksLikeDocumentUrl(clientId, this.#allowHttp);
  }

  /**
   * The client behind `clientId`: for a document URL the validated metadata document (rejects with
   * {@link CimdResolutionError} when it cannot be accepted); otherwise the registered client from `clients`, or
   * undefined when there is none (or no `clients` store was given).
   */
  async getClient(clientId: string): Promise<OAuthClientInformationFull | undefined> {
    if (this.isDocumentClientId(clientId)) return this.resolveDocument(clientId);
    return this.#clients?.getClient(clientId);
  }

  /** Resolves a metadata document URL to its validated client; see {@link getClient}. */
  resolveDocument(clientId: string): Promise<OAuthClientInformationFull> {
    const pending = this.#inFlight.get(clientId);
    if (pending) return pending;
    const resolution = this.#resolve(clientId).finally(() => this.#inFlight.delete(clientId));
    this.#inFlight.set(clientId, resolution);
    return resolution;
  }

  async #resolve(clientId: string): Promise<OAuthClientInformationFull> {
    let url: URL;
    try {
      url = parseClientIdUrl(clientId, this.#allowHttp);
    } catch (error) {
      this.#emitRefusal(clientId, error, false);
      throw error;
    }
    const waitStarted = this.#now();
    let pollMs = this.#pollMs;
    let waited = false;
    for (;;) {
      const entry = await this.#store.getEntry(this.#collection, documentKey(clientId));
      const record = entry ? decodeCacheRecord(entry.value) : undefined;
      const cached = this.#fromCache(clientId, record);
      if (cached) {
        if (waited) this.#emit({ type: 'waited', clientId, durationMs: this.#now() - waitStarted, timedOut: false });
        return cached();
      }
      const lock = await this.#acquireLock(clientId);
      if (lock !== undefined || this.#now() - waitStarted >= this.#waitMs) {
        if (lock === undefined) {
          // The holder is taking too long (or crashed before its lock expired): availability wins over deduplication.
          this.#emit({ type: 'waited', clientId, durationMs: this.#now() - waitStarted, timedOut: true });
        } else if (waited) {
          this.#emit({ type: 'waited', clientId, durationMs: this.#now() - waitStarted, timedOut: false });
        }
        try {
          // Re-read under the lock: another instance may have written the result between our read and our lock.
          const current = lock === undefined ? record : await this.#readRecord(clientId);
          const fresh = lock === undefined ? undefined : this.#fromCache(clientId, current);
          if (fresh) return fresh();
          return await this.#fetchAndStore(clientId, url, current);
        } finally {
          if (lock !== undefined) await this.#releaseLock(clientId, lock);
        }
      }
      waited = true;
      await delay(pollMs);
      pollMs = Math.min(pollMs * 2, 250);
    }
  }

  async #readRecord(clientId: string): Promise<CacheRecord | undefined> {
    const bytes = await this.#store.get(this.#collection, documentKey(clientId));
    return bytes ? decodeCacheRecord(bytes) : undefined;
  }

  /**
   * What the cache can answer without a fetch: a fresh document, a stale one while a remembered failure is transient,
   * or the remembered failure. Undefined when a fetch is needed. Returned as a thunk so events fire only when used.
   */
  #fromCache(clientId: string, record: CacheRecord | undefined): (() => OAuthClientInformationFull) | undefined {
    if (!record) return undefined;
    const now = this.#now();
    const { document, failure } = record;
    if (document && now < document.freshUntil) {
      return () => {
        this.#emit({ type: 'hit', clientId });
        return document.client;
      };
    }
    if (failure && now < failure.until) {
      if (document && now < document.staleUntil && isTransientReason(failure.reason, failure.status)) {
        return () => {
          this.#emit({ type: 'stale', clientId, reason: failure.reason });
          return document.client;
        };
      }
      return () => {
        const error = new CimdResolutionError(failure.reason, failure.description, {
          ...(failure.status !== undefined ? { status: failure.status } : {}),
          cached: true,
        });
        this.#emitRefusal(clientId, error, true);
        throw error;
      };
    }
    return undefined;
  }

  async #fetchAndStore(
    clientId: string,
    url: URL,
    record: CacheRecord | undefined,
  ): Promise<OAuthClientInformationFull> {
    const started = this.#now();
    const previous = record?.document;
    const revalidate = previous?.etag !== undefined && started < previous.staleUntil ? previous : undefined;
    let outcome: Awaited<ReturnType<typeof fetchDocument>>;
    let client: OAuthClientInformationFull;
    try {
      outcome = await fetchDocument(url, this.#fetch, revalidate?.etag);
      client = outcome.status === 304 && revalidate ? revalidate.client : validateBody(outcome, clientId);
    } catch (error) {
      this.#emit({ type: 'fetch', clientId, outcome: 'failure', durationMs: this.#now() - started });
      return this.#storeFailure(clientId, error, previous);
    }
    const now = this.#now();
    this.#emit({
      type: 'fetch',
      clientId,
      outcome: outcome.status === 304 ? 'not-modified' : 'document',
      durationMs: now - started,
    });
    if (outcome.status === 304) this.#emit({ type: 'revalidated', clientId });
    const freshness = freshnessOf(outcome.headers, this.#bounds, now);
    if (!freshness.store) {
      // no-store: the host forbids keeping it; drop any older copy so nobody serves it.
      await this.#store.delete(this.#collection, documentKey(clientId));
      return client;
    }
    const freshUntil = now + freshness.freshMs;
    const next: CacheRecord = {
      v: 1,
      document: {
        client,
        ...(outcome.etag !== undefined ? { etag: outcome.etag } : {}),
        fetchedAt: now,
        freshUntil,
        staleUntil: freshUntil + this.#staleMs,
      },
    };
    await this.#write(clientId, next, now);
    return client;
  }

  /** Remembers a failure (negative cache); serves the previous copy when the failure is transient and it is in bound. */
  async #storeFailure(
    clientId: string,
    error: unknown,
    previous: CacheRecord['document'],
  ): Promise<OAuthClientInformationFull> {
    if (!(error instanceof CimdResolutionError)) throw error;
    const now = this.#now();
    const transient = isTransientReason(error.reason, error.status);
    const keep = transient && previous && now < previous.staleUntil ? previous : undefined;
    const next: CacheRecord = {
      v: 1,
      ...(keep ? { document: keep } : {}),
      failure: {
        reason: error.reason,
        description: error.description,
        ...(error.status !== undefined ? { status: error.status } : {}),
        until: now + this.#negativeMs,
      },
    };
    await this.#write(clientId, next, now);
    if (keep) {
      this.#emit({ type: 'stale', clientId, reason: error.reason });
      return keep.client;
    }
    this.#emitRefusal(clientId, error, false);
    throw error;
  }

  async #write(clientId: string, record: CacheRecord, now: number): Promise<void> {
    const until = Math.max(record.document?.staleUntil ?? 0, record.failure?.until ?? 0);
    const ttlMs = Math.max(1, until - now);
    await this.#store.set(this.#collection, documentKey(clientId), encodeCacheRecord(record), { ttlMs });
  }

  /** A conditional create with a TTL: of all instances missing at once, one gets the lock and fetches. */
  async #acquireLock(clientId: string): Promise<string | undefined> {
    const token = randomBytes(16);
    const created = await this.#store.set(this.#collection, lockKey(clientId), token, {
      onlyIfAbsent: true,
      ttlMs: this.#lockMs,
    });
    if (!created) return undefined;
    const entry = await this.#store.getEntry(this.#collection, lockKey(clientId));
    return entry?.version ?? '';
  }

  /** Deletes our lock only (compare-and-delete), never one another instance took after ours expired. */
  async #releaseLock(clientId: string, version: string): Promise<void> {
    if (!version) return;
    try {
      await this.#store.delete(this.#collection, lockKey(clientId), { ifVersion: version });
    } catch {
      // The lock expires by itself; failing to delete it only delays the next fetch, never a login.
    }
  }

  #emitRefusal(clientId: string, error: unknown, cached: boolean): void {
    if (error instanceof CimdResolutionError) this.#emit({ type: 'refused', clientId, reason: error.reason, cached });
  }

  #emit(event: CimdEvent): void {
    try {
      this.#onEvent?.(event);
    } catch {
      // A broken metrics hook must not break logins.
    }
  }
}

function validateBody(
  outcome: Awaited<ReturnType<typeof fetchDocument>>,
  clientId: string,
): OAuthClientInformationFull {
  if (outcome.status !== 200) {
    // A 304 without a copy to revalidate (the copy expired meanwhile) cannot be used.
    throw new CimdResolutionError('http_status', 'the client metadata document host answered 304 to a plain request.', {
      status: 304,
    });
  }
  return validateDocument(outcome.body, clientId);
}
