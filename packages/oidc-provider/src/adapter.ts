import { createHash } from 'node:crypto';
import {
  assertValidKey,
  assertValidSetOptions,
  assertValidValue,
  type ByteStore,
  ConfigurationError,
  InvalidKeyError,
  InvalidValueError,
  isStorableKey,
  type SetOptions,
} from '@oauth-store/core';
import { OidcCollections } from './collections';
import { ConsumeRefusedError } from './consume-error';
import { type OidcAdapterOptions, resolveOidcAdapterOptions } from './options';
import { toStorablePayload } from './payload-json';
import { decodeStoredRecord, encodeStoredRecord, newRevision, remainingTtl, type StoredRecord } from './record';
import type { OidcAdapter, OidcAdapterFactory, OidcAdapterPayload } from './types';

const SOURCE = 'oidc-provider';
const EMPTY = new Uint8Array(0);
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * Models whose tokens are indexed by grant, the same set oidc-provider's own memory adapter indexes: these are what
 * `revokeByGrantId` deletes. (Interaction and Session payloads can name a grant too, but revoking a grant must not
 * delete the user's session.)
 */
const GRANTABLE = new Set([
  'AccessToken',
  'AuthorizationCode',
  'RefreshToken',
  'DeviceCode',
  'BackchannelAuthenticationRequest',
  'PreAuthorizedCode',
]);

/**
 * Grant sources that oidc-provider answers `expired_token` for once they have expired (RFC 8628 §3.5 device codes,
 * CIBA requests, OpenID4VCI pre-authorized codes): it can only do so if it still finds them, so their records are
 * kept for `expiredRetentionSeconds` after they expire (oidc-provider itself refuses an expired record for anything
 * else, it reads `exp` from the payload).
 */
const KEPT_AFTER_EXPIRY = new Set(['DeviceCode', 'BackchannelAuthenticationRequest', 'PreAuthorizedCode']);

/**
 * The key of a grant-index entry: a hash of `<Model>:<id>`, because token ids are the tokens themselves and the key
 * names of a listed collection cannot be hidden by the envelope's key hashing. The entry itself is the value
 * (encrypted when the store is envelope-encrypted).
 */
function grantEntryKey(entry: string): string {
  return createHash('sha256').update(entry, 'utf8').digest('base64url');
}

/** What the adapters of one factory share. */
interface Shared {
  store: ByteStore;
  collections: OidcCollections;
  clockToleranceMs: number;
  expiredRetentionMs: number;
  revokeGrantOnReuse: boolean;
  /** Revocations in flight, by grant id: oidc-provider revokes one grant through every model at once. */
  revoking: Map<string, Promise<void>>;
}

/**
 * oidc-provider's storage on any oauth-store {@link ByteStore}: pass the result as the `adapter` option of
 * `new Provider(issuer, { adapter })`. Every instance of the provider built on the same store (same prefix) shares
 * codes, tokens, sessions, interactions and grants, so a code issued by one instance can be exchanged at another.
 *
 * Records are JSON; `uid`, `userCode` and grant lookups are separate entries with the record's lifetime. `consume`
 * claims the record once (see {@link ConsumeRefusedError}): of concurrent redemptions of one code or refresh token,
 * across any number of instances, one succeeds.
 *
 * @example
 * const provider = new Provider(issuer, { adapter: createOidcAdapter(await createRedisStore({ url })), ... });
 */
export function createOidcAdapter(store: ByteStore, options?: OidcAdapterOptions): OidcAdapterFactory {
  if (!store || typeof store.get !== 'function' || typeof store.set !== 'function') {
    throw new ConfigurationError('createOidcAdapter needs an oauth-store ByteStore as its first argument.', {
      source: SOURCE,
    });
  }
  const resolved = resolveOidcAdapterOptions(options);
  const shared: Shared = {
    store,
    collections: new OidcCollections(resolved.prefix, store.capabilities.maxCollectionBytes),
    clockToleranceMs: resolved.clockToleranceMs,
    expiredRetentionMs: resolved.expiredRetentionMs,
    revokeGrantOnReuse: resolved.revokeGrantOnReuse,
    revoking: new Map(),
  };
  const adapters = new Map<string, OidcAdapter>();
  // A plain (not async) function: oidc-provider rejects async factories and calls this once per model.
  return (modelName: string) => {
    if (typeof modelName !== 'string' || modelName.length === 0 || modelName.includes(':')) {
      throw new ConfigurationError('the model name must be a non-empty string without ":".', { source: SOURCE });
    }
    let adapter = adapters.get(modelName);
    if (!adapter) {
      shared.collections.assertFits(modelName);
      adapter = new StoreOidcAdapter(modelName, shared);
      adapters.set(modelName, adapter);
    }
    return adapter;
  };
}

/** One model's adapter. */
class StoreOidcAdapter implements OidcAdapter {
  readonly #model: string;
  readonly #shared: Shared;
  readonly #records: string;

  constructor(model: string, shared: Shared) {
    this.#model = model;
    this.#shared = shared;
    this.#records = shared.collections.records(model);
  }

  async upsert(id: string, given: OidcAdapterPayload, expiresIn?: number): Promise<void> {
    if (!given || typeof given !== 'object' || Array.isArray(given)) {
      throw new InvalidValueError(`upsert of a ${this.#model} needs a payload object.`, { source: SOURCE });
    }
    const { store, collections } = this.#shared;
    assertValidKey(store.capabilities, this.#records, id);
    const payload = toStorablePayload(given) as OidcAdapterPayload;
    const ttlMs = this.#ttlMs(expiresIn);
    const options: SetOptions = ttlMs === undefined ? {} : { ttlMs: ttlMs + this.#retentionMs() };
    // Everything is checked and encoded before the first write, so an upsert that fails writes nothing (no lookup
    // left pointing at a record that was never stored).
    assertValidSetOptions(store.capabilities, options);
    this.#assertLookupKeys(payload);
    const record: StoredRecord = {
      payload,
      rev: newRevision(),
      ...(ttlMs === undefined ? {} : { expiresAt: Date.now() + ttlMs }),
    };
    const encoded = encodeStoredRecord(record);
    assertValidValue(store.capabilities, encoded);
    // Lookups first, then the record: a crash in between leaves a lookup pointing nowhere (harmless, it is checked
    // on read), never a token that revokeByGrantId cannot find.
    const lookups: Promise<boolean>[] = [];
    if (GRANTABLE.has(this.#model) && typeof payload.grantId === 'string' && payload.grantId.length > 0) {
      const entry = this.#grantEntry(id);
      lookups.push(store.set(collections.grant(payload.grantId), grantEntryKey(entry), encoder.encode(entry), options));
    }
    if (this.#model === 'Session' && typeof payload.uid === 'string' && payload.uid.length > 0) {
      lookups.push(store.set(collections.byUid(this.#model), payload.uid, encoder.encode(id), options));
    }
    if (typeof payload.userCode === 'string' && payload.userCode.length > 0) {
      lookups.push(store.set(collections.byUserCode(this.#model), payload.userCode, encoder.encode(id), options));
    }
    await Promise.all(lookups);
    await store.set(this.#records, id, encoded, options);
  }

  /** Throws a typed error (naming the field, never its value) when a lookup the payload asks for cannot be stored. */
  #assertLookupKeys(payload: OidcAdapterPayload): void {
    const { capabilities } = this.#shared.store;
    const fields: [string, unknown][] = [
      ['uid', this.#model === 'Session' ? payload.uid : undefined],
      ['userCode', payload.userCode],
    ];
    for (const [field, value] of fields) {
      if (typeof value === 'string' && value.length > 0 && !isStorableKey(capabilities, value)) {
        throw new InvalidKeyError(
          `the ${this.#model} payload's ${field} cannot be stored as a lookup key (too long for this store, or a lone UTF-16 surrogate).`,
          { source: SOURCE },
        );
      }
    }
    const { grantId } = payload;
    if (GRANTABLE.has(this.#model) && typeof grantId === 'string' && !grantId.isWellFormed()) {
      throw new InvalidKeyError(`the ${this.#model} payload's grantId contains a lone UTF-16 surrogate.`, {
        source: SOURCE,
      });
    }
  }

  async find(id: string): Promise<OidcAdapterPayload | undefined> {
    return (await this.#read(id))?.payload;
  }

  // Lookups answer "not found" for ids that cannot name an entry (not a string, empty, too long, a lone surrogate):
  // they come from requests, and oidc-provider answers an unknown one with invalid_grant / invalid_request, not 500.
  async findByUid(uid: string): Promise<OidcAdapterPayload | undefined> {
    const payload = await this.#findVia(this.#shared.collections.byUid(this.#model), uid);
    // The lookup may outlive a change of the session's uid: only a record that still has this uid counts.
    return payload?.uid === uid ? payload : undefined;
  }

  async findByUserCode(userCode: string): Promise<OidcAdapterPayload | undefined> {
    const payload = await this.#findVia(this.#shared.collections.byUserCode(this.#model), userCode);
    return payload?.userCode === userCode ? payload : undefined;
  }

  /**
   * Claims the record with a conditional create of its revision id (exactly one caller wins, across processes),
   * then rewrites the record with `consumed` set, keeping its remaining lifetime. A loser, or a record already
   * consumed or gone, gets {@link ConsumeRefusedError} (answered as `invalid_grant`); a loser of a record that
   * belongs to a grant also revokes the grant, as oidc-provider would had it seen `consumed` (see
   * `revokeGrantOnReuse`).
   *
   * Between the claim and the rewrite, `find` still shows the record unconsumed; any other `consume` in that window
   * loses the claim (and revokes the grant). If the process dies in between, the record stays unconsumed-looking but
   * can never be consumed again: a later redemption loses the claim, so it is refused and revokes the grant.
   */
  async consume(id: string): Promise<void> {
    const record = await this.#read(id);
    if (!record) throw new ConsumeRefusedError(this.#model, false);
    if (record.payload.consumed) {
      await this.#reused(record);
      throw new ConsumeRefusedError(this.#model, true);
    }
    const ttl = remainingTtl(record);
    if (!ttl) throw new ConsumeRefusedError(this.#model, false);
    const { store, collections } = this.#shared;
    const claimed = await store.set(collections.consumed(this.#model), record.rev, EMPTY, {
      ...ttl,
      onlyIfAbsent: true,
    });
    if (!claimed) {
      // Another request consumed it between oidc-provider's read and this claim: a concurrent reuse.
      await this.#reused(record);
      throw new ConsumeRefusedError(this.#model, true);
    }
    const consumed: StoredRecord = {
      ...record,
      payload: { ...record.payload, consumed: Math.floor(Date.now() / 1000) },
    };
    // A destroy or revocation between the read and this write brings the record back, marked consumed: it can
    // never be used again, and it expires with its original lifetime.
    const still = remainingTtl(record);
    if (still) {
      const rewrite = still.ttlMs === undefined ? {} : { ttlMs: still.ttlMs + this.#retentionMs() };
      await store.set(this.#records, id, encodeStoredRecord(consumed), rewrite);
    }
  }

  /**
   * What oidc-provider does when it sees `consumed` itself (RFC 9700 §4.14.2 for refresh tokens, RFC 6749 §4.1.2 for
   * codes): the request that lost the race never sees it (it read the record before the winner consumed it), so the
   * adapter revokes the grant in its place: every token of the grant, and the Grant itself, which oidc-provider
   * checks on every use, so tokens the winner issues after this revocation are refused too.
   */
  async #reused(record: StoredRecord): Promise<void> {
    const { grantId } = record.payload;
    if (!this.#shared.revokeGrantOnReuse || !GRANTABLE.has(this.#model)) return;
    if (typeof grantId !== 'string' || grantId.length === 0) return;
    await Promise.all([this.revokeByGrantId(grantId), new StoreOidcAdapter('Grant', this.#shared).destroy(grantId)]);
  }

  async destroy(id: string): Promise<void> {
    const { store } = this.#shared;
    if (!isStorableKey(store.capabilities, id)) return;
    const bytes = await store.get(this.#records, id);
    await store.delete(this.#records, id);
    if (bytes) await this.#removeLookups(id, decodeStoredRecord(bytes));
  }

  async revokeByGrantId(grantId: string): Promise<void> {
    // A grant id that no upsert could have indexed (see #assertLookupKeys) has nothing to revoke.
    if (typeof grantId !== 'string' || grantId.length === 0 || !grantId.isWellFormed()) return;
    // oidc-provider revokes a grant through every grantable model at once; they all share one grant index, so
    // concurrent calls for the same grant in this process share one pass.
    const { revoking } = this.#shared;
    let running = revoking.get(grantId);
    if (!running) {
      running = this.#revoke(grantId).finally(() => revoking.delete(grantId));
      revoking.set(grantId, running);
    }
    await running;
  }

  async #revoke(grantId: string): Promise<void> {
    const { store, collections } = this.#shared;
    const index = collections.grant(grantId);
    let cursor: string | undefined;
    do {
      const page = await store.list(index, { limit: 100, ...(cursor ? { cursor } : {}) });
      await Promise.all(page.keys.map((key) => this.#revokeEntry(grantId, index, key)));
      cursor = page.cursor;
    } while (cursor);
  }

  async #revokeEntry(grantId: string, index: string, key: string): Promise<void> {
    const stored = await this.#shared.store.get(index, key);
    const entry = stored ? decoder.decode(stored) : '';
    const separator = entry.indexOf(':');
    if (separator > 0) {
      const model = entry.slice(0, separator);
      const id = entry.slice(separator + 1);
      const sibling = new StoreOidcAdapter(model, this.#shared);
      const record = await sibling.#read(id);
      // Only a token that still belongs to this grant (an id could have been re-upserted with another).
      if (record && record.payload.grantId === grantId) {
        await this.#shared.store.delete(sibling.#records, id);
        await sibling.#removeLookups(id, record, { keepGrantEntry: true });
      }
    }
    await this.#shared.store.delete(index, key);
  }

  /** Removes what points at a deleted record: lookups that still name it, its grant entry and its consume claim. */
  async #removeLookups(id: string, record: StoredRecord, { keepGrantEntry = false } = {}): Promise<void> {
    const { store, collections } = this.#shared;
    const { payload } = record;
    const removals: Promise<unknown>[] = [];
    const dropIfPointsHere = async (collection: string, key: string) => {
      const target = await store.get(collection, key);
      if (target && decoder.decode(target) === id) await store.delete(collection, key);
    };
    if (typeof payload.uid === 'string' && payload.uid.length > 0) {
      removals.push(dropIfPointsHere(collections.byUid(this.#model), payload.uid));
    }
    if (typeof payload.userCode === 'string' && payload.userCode.length > 0) {
      removals.push(dropIfPointsHere(collections.byUserCode(this.#model), payload.userCode));
    }
    if (!keepGrantEntry && typeof payload.grantId === 'string' && payload.grantId.length > 0) {
      removals.push(store.delete(collections.grant(payload.grantId), grantEntryKey(this.#grantEntry(id))));
    }
    if (payload.consumed) removals.push(store.delete(collections.consumed(this.#model), record.rev));
    await Promise.all(removals);
  }

  async #read(id: string): Promise<StoredRecord | undefined> {
    if (!isStorableKey(this.#shared.store.capabilities, id)) return undefined;
    const bytes = await this.#shared.store.get(this.#records, id);
    return bytes ? decodeStoredRecord(bytes) : undefined;
  }

  async #findVia(lookup: string, key: string): Promise<OidcAdapterPayload | undefined> {
    if (!isStorableKey(this.#shared.store.capabilities, key)) return undefined;
    const target = await this.#shared.store.get(lookup, key);
    return target ? this.find(decoder.decode(target)) : undefined;
  }

  /** Extra store lifetime of this model's records after they expire (see {@link KEPT_AFTER_EXPIRY}). */
  #retentionMs(): number {
    return KEPT_AFTER_EXPIRY.has(this.#model) ? this.#shared.expiredRetentionMs : 0;
  }

  #grantEntry(id: string): string {
    return `${this.#model}:${id}`;
  }

  /** oidc-provider passes seconds, or nothing for records that never expire. */
  #ttlMs(expiresIn: number | undefined): number | undefined {
    if (expiresIn === undefined || expiresIn === null) return undefined;
    if (typeof expiresIn !== 'number' || !Number.isFinite(expiresIn)) {
      // Not echoed: say what kind of value it is, never the value.
      const kind = typeof expiresIn === 'number' ? 'a non-finite number' : typeof expiresIn;
      throw new InvalidValueError(`expiresIn must be a finite number of seconds (or omitted), got ${kind}.`, {
        source: SOURCE,
      });
    }
    // A lifetime of zero or less means already expired: store it for the shortest time the contract allows.
    return Math.max(1, Math.ceil(expiresIn * 1000) + this.#shared.clockToleranceMs);
  }
}
