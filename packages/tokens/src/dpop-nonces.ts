import { type ByteStore, IntegrityError } from '@oauth-store/core';
import {
  assertAtomicStore,
  durationOption,
  newOpaqueToken,
  resolveTokenStoreOptions,
  type TokenStoreOptions,
} from './shared-options';

const SOURCE = 'dpop-nonces';
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Options of {@link DpopNonces}. */
export interface DpopNoncesOptions extends Omit<TokenStoreOptions, 'keyHasher'> {
  /** How long each nonce is handed out (ms); the previous one is still accepted for as long. Default 5 minutes. */
  rotationIntervalMs?: number;
}

/**
 * Server-provided DPoP nonces (RFC 9449 §8 and §9) shared by every instance: a nonce handed out by one instance is
 * accepted by all. Time is cut into slots of `rotationIntervalMs`; the first instance to need a slot's nonce creates it
 * with a conditional create, the others read it. `isValid` accepts the current and the previous slot's nonce, so a
 * nonce stays usable for at least one full interval. Answer `use_dpop_nonce` with `DPoP-Nonce: await current()` when a
 * proof's nonce is missing or `isValid` says no. Nonces are not secrets (they are sent in headers); slots are kept for
 * two intervals.
 */
export class DpopNonces {
  readonly #store: ByteStore;
  readonly #collection: string;
  readonly #now: () => number;
  readonly #intervalMs: number;
  /** Slot number to nonce, for the slots this process has read (a slot's nonce never changes). */
  readonly #known = new Map<number, string>();

  constructor(store: ByteStore, options: DpopNoncesOptions = {}) {
    const resolved = resolveTokenStoreOptions(store, options, SOURCE);
    assertAtomicStore(resolved.store, SOURCE, 'two instances could hand out different nonces for one slot');
    this.#store = resolved.store;
    this.#collection = `${resolved.prefix}dpop-nonces`;
    this.#now = resolved.now;
    this.#intervalMs = durationOption(options.rotationIntervalMs, 5 * 60_000, 'rotationIntervalMs', SOURCE, {
      min: 1_000,
    });
  }

  /** The nonce to send in the `DPoP-Nonce` header now. */
  async current(): Promise<string> {
    return this.#nonceOf(Math.floor(this.#now() / this.#intervalMs), true) as Promise<string>;
  }

  /** Whether a proof's `nonce` is the current or the previous nonce of the fleet. */
  async isValid(nonce: unknown): Promise<boolean> {
    if (typeof nonce !== 'string' || nonce.length === 0 || nonce.length > 256) return false;
    const slot = Math.floor(this.#now() / this.#intervalMs);
    for (const candidate of [slot, slot - 1]) {
      if ((await this.#nonceOf(candidate, false)) === nonce) return true;
    }
    return false;
  }

  async #nonceOf(slot: number, create: boolean): Promise<string | undefined> {
    const known = this.#known.get(slot);
    if (known) return known;
    const key = String(slot);
    let bytes = await this.#store.get(this.#collection, key);
    if (!bytes && create) {
      const fresh = newOpaqueToken(16);
      // The slot's end plus one interval, so the nonce outlives its slot as the "previous" one.
      const ttlMs = (slot + 2) * this.#intervalMs - this.#now();
      const created = await this.#store.set(this.#collection, key, encoder.encode(fresh), {
        ttlMs: Math.max(1, Math.ceil(ttlMs)),
        onlyIfAbsent: true,
      });
      bytes = created ? encoder.encode(fresh) : await this.#store.get(this.#collection, key);
    }
    if (!bytes) return undefined;
    const nonce = decoder.decode(bytes);
    if (!/^[A-Za-z0-9_-]{1,256}$/.test(nonce)) {
      throw new IntegrityError('a stored DPoP nonce has an unexpected shape; it was not written here.', {
        source: SOURCE,
      });
    }
    this.#known.set(slot, nonce);
    // Forget slots too old to matter, so the map stays at a few entries.
    for (const old of this.#known.keys()) if (old < slot - 2) this.#known.delete(old);
    return nonce;
  }
}
