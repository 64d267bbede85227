import { type Keyring, primaryKey } from './keyring';
import { type CachedDataKey, type DataKey, type DataKeyMaterial, newDataKey, type UnwrappedKeyCache } from './seal';

/**
 * Bounds of the data-key cache (the AWS Encryption SDK's caching materials manager does the same): one wrapped data
 * key is reused for at most `maxRecords` writes and at most `maxAgeMs`, and unwrapped data keys are remembered for
 * at most `maxUnwrapped` distinct wrapped keys. Every record still gets its own random 96-bit payload nonce and its own
 * AAD. docs/encryption-format.md "Data-key cache" explains why these bounds are safe.
 */
export interface DataKeyCacheOptions {
  /** Records sealed with one data key before a new one is drawn. Default 4096; at most 2^24. */
  maxRecords?: number;
  /** Milliseconds one data key is used for writing. Default 60 000; at most one day. */
  maxAgeMs?: number;
  /** Unwrapped data keys kept for reads (oldest dropped first). Default 1024; 0 turns the read cache off. */
  maxUnwrapped?: number;
}

/** Default {@link DataKeyCacheOptions.maxRecords}. */
export const DEFAULT_DATA_KEY_MAX_RECORDS = 4096;
/** Default {@link DataKeyCacheOptions.maxAgeMs}. */
export const DEFAULT_DATA_KEY_MAX_AGE_MS = 60_000;
/** Default {@link DataKeyCacheOptions.maxUnwrapped}. */
export const DEFAULT_MAX_UNWRAPPED_KEYS = 1024;
/**
 * Upper bound of maxRecords: 2^24 random 96-bit nonces under one payload key collide with probability below 2^-48,
 * far inside NIST SP 800-38D's 2^32 bound for random nonces.
 */
export const MAX_RECORDS_PER_DATA_KEY = 2 ** 24;

interface Current {
  readonly dataKey: DataKey;
  readonly keyring: Keyring;
  readonly createdAt: number;
  uses: number;
}

/**
 * Holds the data key for writes and the unwrapped data keys seen on reads, for one envelope store.
 *
 * Read-cache entries are found by a 32-bit slice of the wrap salt (random, so it spreads) and then matched on the
 * whole key block (kid, wrap salt, wrapped DEK) byte for byte: the lookup allocates nothing, and two wrapped keys that
 * share the slice are simply a miss. A data key drawn for writing is entered too, so records this process wrote are
 * read without any unwrap.
 */
export class DataKeyCache implements UnwrappedKeyCache {
  readonly #maxRecords: number;
  readonly #maxAgeMs: number;
  readonly #maxUnwrapped: number;
  readonly #now: () => number;
  #current: Current | undefined;
  #unwrappedFor: Keyring | undefined;
  readonly #unwrapped = new Map<number, CachedDataKey>();

  constructor(limits: Required<DataKeyCacheOptions>, now: () => number) {
    this.#maxRecords = limits.maxRecords;
    this.#maxAgeMs = limits.maxAgeMs;
    this.#maxUnwrapped = limits.maxUnwrapped;
    this.#now = now;
  }

  /** The data key for the next write under `keyring`'s primary key: the cached one while within bounds, else a new one. */
  dataKeyFor(keyring: Keyring): DataKey {
    const current = this.#current;
    const now = this.#now();
    if (
      current &&
      current.keyring === keyring &&
      current.uses < this.#maxRecords &&
      now - current.createdAt < this.#maxAgeMs &&
      now >= current.createdAt
    ) {
      current.uses += 1;
      return current.dataKey;
    }
    // The old DEK may still be in use by a seal on this tick's stack; it is dropped, not zeroed.
    const dataKey = newDataKey(primaryKey(keyring));
    this.#current = { dataKey, keyring, createdAt: now, uses: 1 };
    // The primary kid has no retirement bound (createKeyring refuses one).
    this.readerFor(keyring)?.remember(dataKey.keyBlock, dataKey, undefined);
    return dataKey;
  }

  /** The read cache for records under `keyring` (emptied whenever the keyring changes, so a removed key stops working). */
  readerFor(keyring: Keyring): UnwrappedKeyCache | undefined {
    if (this.#maxUnwrapped === 0) return undefined;
    if (this.#unwrappedFor !== keyring) {
      this.#unwrapped.clear();
      this.#unwrappedFor = keyring;
    }
    return this;
  }

  /** See {@link UnwrappedKeyCache}. */
  find(record: Uint8Array, blockEnd: number): CachedDataKey | undefined {
    const entry = this.#unwrapped.get(slotOf(record, 13));
    if (entry === undefined) return undefined;
    const block = entry.keyBlock;
    if (block.length !== blockEnd - 13) return undefined;
    // Public bytes (stored in the clear): an early exit leaks nothing.
    for (let i = 0; i < block.length; i++) if (block[i] !== record[13 + i]) return undefined;
    return entry;
  }

  /** See {@link UnwrappedKeyCache}. */
  remember(keyBlock: Uint8Array, material: DataKeyMaterial, notAfter: number | undefined): void {
    const slot = slotOf(keyBlock, 0);
    if (!this.#unwrapped.has(slot) && this.#unwrapped.size >= this.#maxUnwrapped) {
      const oldest = this.#unwrapped.keys().next().value;
      if (oldest !== undefined) this.#unwrapped.delete(oldest);
    }
    const kidLength = keyBlock[0]!;
    this.#unwrapped.set(slot, {
      keyBlock: Uint8Array.from(keyBlock),
      kid: Buffer.from(keyBlock.buffer, keyBlock.byteOffset + 1, kidLength).toString('latin1'),
      notAfter,
      payloadKey: material.payloadKey,
      commitment: material.commitment,
    });
  }

  /** Forgets every key (on close). */
  clear(): void {
    this.#current?.dataKey.payloadKey.fill(0);
    this.#current = undefined;
    for (const entry of this.#unwrapped.values()) entry.payloadKey.fill(0);
    this.#unwrapped.clear();
  }
}

/** Bytes 0..4 of the wrap salt of the key block starting at `start` (L | kid | salt ...), as an unsigned integer. */
function slotOf(bytes: Uint8Array, start: number): number {
  const salt = start + 1 + bytes[start]!;
  return ((bytes[salt]! << 24) | (bytes[salt + 1]! << 16) | (bytes[salt + 2]! << 8) | bytes[salt + 3]!) >>> 0;
}
