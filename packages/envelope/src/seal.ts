import { createCipheriv, createDecipheriv, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { IntegrityError, UnknownKeyIdError } from '@oauth-store/core';
import {
  COMMITMENT_BYTES,
  DEK_BYTES,
  ENVELOPE_MAGIC,
  expiryField,
  NONCE_BYTES,
  type ParsedEnvelope,
  parseEnvelope,
  TAG_BYTES,
  v2KeyBlockEnd,
  WRAP_SALT_BYTES,
  WRAPPED_DEK_BYTES,
} from './format';
import { gcmDecrypt, gcmEncrypt } from './gcm';
import { type Keyring, keyForKid, primaryKey } from './keyring';
import { randomPublicBytes } from './random-pool';
import { deriveFromDekV1, openPayloadV1, unwrapDekV1, wrapDekV1 } from './seal-v1';

/**
 * Format version 2 (docs/encryption-format.md):
 *
 * - wrapping key  K_wrap = HMAC-SHA256(KEK, WRAP_KEY_LABEL || wrap salt), one per wrapped DEK (32-byte random salt);
 * - wrapped DEK   = AES-256-GCM(K_wrap, nonce 0^96, DEK, AAD = magic | 02 | L | kid);
 * - data keys     payload key || commitment = HMAC-SHA512(DEK, DATA_KEY_LABEL);
 * - payload       = AES-256-GCM(payload key, random 96-bit nonce, plaintext,
 *                   AAD = magic | 02 | expiresAt | lp(namespace) | lp(collection) | lp(key)).
 *
 * The KEK only keys HMAC, and each wrapping key encrypts exactly once, so no key has a nonce budget under the KEK. A
 * wrapped DEK does not depend on the record, so one data key can seal a bounded number of records (the data-key
 * cache, at most 2^24 random nonces per payload key) while each record keeps its own nonce and AAD.
 */

/** HMAC message prefix deriving a wrapping key from the KEK (followed by the 32-byte wrap salt). */
export const WRAP_KEY_LABEL = 'oauth-store/envelope/v2 wrap';
/** HMAC message deriving the payload key and the key commitment from a DEK. */
export const DATA_KEY_LABEL = 'oauth-store/envelope/v2 data key';

const ZERO_NONCE = Buffer.alloc(12);
const WRAP_LABEL_BYTES = Buffer.from(WRAP_KEY_LABEL, 'ascii');
const DATA_KEY_LABEL_BYTES = Buffer.from(DATA_KEY_LABEL, 'ascii');

/** Where a record lives: all three names are bound into the payload's AAD. */
export interface RecordAddress {
  /** The encryption context ('' by default): stores sharing a KEK but not a namespace cannot swap records. */
  readonly namespace: string;
  readonly collection: string;
  /** The logical key the caller uses (not the hashed name the backend sees). */
  readonly key: string;
}

/** What a DEK yields: the payload key and the key commitment (both derived once per DEK). */
export interface DataKeyMaterial {
  readonly payloadKey: Buffer;
  readonly commitment: Buffer;
}

/** A data key ready to seal records: its derived material and its wrapped form (bytes 13.. of every record). */
export interface DataKey extends DataKeyMaterial {
  readonly kid: string;
  /** L | kid | wrap salt | wrapped DEK. */
  readonly keyBlock: Uint8Array;
}

/** Fixed random inputs of one seal; injected only by the test vectors. */
export interface SealRandomness {
  readonly dek: Uint8Array;
  readonly wrapSalt: Uint8Array;
  readonly payloadNonce: Uint8Array;
}

function integrity(message: string): IntegrityError {
  return new IntegrityError(message, { source: 'envelope' });
}

/** AAD of the v2 DEK wrap: magic | 02 | L | kid. */
export function wrapAad(kid: string): Uint8Array {
  const aad = Buffer.allocUnsafe(6 + kid.length);
  aad.set(ENVELOPE_MAGIC, 0);
  aad[4] = 2;
  aad[5] = kid.length;
  aad.write(kid, 6, 'latin1');
  return aad;
}

/** The v2 payload AAD: magic | 02 | expiresAt (8 bytes BE) | lp(namespace) | lp(collection) | lp(key). */
export function payloadAad(address: RecordAddress, expiresAt: number): Uint8Array {
  return Buffer.from(scratchAad(address, expiresAt));
}

// The AAD is built in one module-level buffer and handed to setAAD, which digests it synchronously (GHASH runs inside
// the call): nothing keeps a reference, so the next record may overwrite it. One allocation fewer per read and write.
const AAD_SCRATCH = Buffer.allocUnsafe(4096);
AAD_SCRATCH.set(ENVELOPE_MAGIC, 0);
AAD_SCRATCH[4] = 2;

/** Writes lp(text) at `offset` (UTF-8 straight into the buffer, its length before it); returns the end offset. */
function putLengthPrefixed(aad: Buffer, offset: number, text: string): number {
  const length = text.length === 0 ? 0 : aad.write(text, offset + 4, aad.length - offset - 4, 'utf8');
  aad.writeUInt32BE(length, offset);
  return offset + 4 + length;
}

/** The payload AAD in the scratch buffer (valid until the next call), or in a fresh one for very long names. */
function scratchAad(address: RecordAddress, expiresAt: number): Buffer {
  // UTF-8 needs at most 3 bytes per UTF-16 code unit: a bound that needs no byteLength pass over the strings.
  const bound = 25 + 3 * (address.namespace.length + address.collection.length + address.key.length);
  let aad = AAD_SCRATCH;
  if (bound > AAD_SCRATCH.length) {
    aad = Buffer.allocUnsafe(bound);
    aad.set(ENVELOPE_MAGIC, 0);
    aad[4] = 2;
  }
  aad.writeUInt32BE(Math.floor(expiresAt / 0x1_0000_0000), 5);
  aad.writeUInt32BE(expiresAt % 0x1_0000_0000, 9);
  let offset = putLengthPrefixed(aad, 13, address.namespace);
  offset = putLengthPrefixed(aad, offset, address.collection);
  offset = putLengthPrefixed(aad, offset, address.key);
  return aad.subarray(0, offset);
}

/** K_wrap = HMAC-SHA256(KEK, WRAP_KEY_LABEL || wrap salt). */
export function wrappingKey(kek: Uint8Array, wrapSalt: Uint8Array): Buffer {
  return createHmac('sha256', kek).update(WRAP_LABEL_BYTES).update(wrapSalt).digest();
}

/** payload key || commitment = HMAC-SHA512(DEK, DATA_KEY_LABEL), split in two 32-byte halves. */
export function deriveDataKey(dek: Uint8Array): DataKeyMaterial {
  const okm = createHmac('sha512', dek).update(DATA_KEY_LABEL_BYTES).digest();
  return { payloadKey: okm.subarray(0, 32), commitment: okm.subarray(32, 64) };
}

/** Draws a fresh DEK and wraps it under `kek` (a fresh wrap salt, hence a fresh wrapping key). */
export function newDataKey(
  kek: { kid: string; key: Uint8Array },
  randomness?: Pick<SealRandomness, 'dek' | 'wrapSalt'>,
): DataKey {
  const random = randomness ? undefined : randomBytes(DEK_BYTES + WRAP_SALT_BYTES);
  const dek = randomness?.dek ?? random!.subarray(0, DEK_BYTES);
  const wrapSalt = randomness?.wrapSalt ?? random!.subarray(DEK_BYTES);
  const dataKey = { kid: kek.kid, keyBlock: wrapDataKey(kek, dek, wrapSalt), ...deriveDataKey(dek) };
  random?.fill(0, 0, DEK_BYTES);
  return dataKey;
}

/** L | kid | wrap salt | GCM(K_wrap, 0^96, DEK, AAD = wrapAad(kid)). */
function wrapDataKey(kek: { kid: string; key: Uint8Array }, dek: Uint8Array, wrapSalt: Uint8Array): Uint8Array {
  const kWrap = wrappingKey(kek.key, wrapSalt);
  const wrapped = gcmEncrypt(kWrap, ZERO_NONCE, dek, wrapAad(kek.kid));
  kWrap.fill(0);
  const block = Buffer.allocUnsafe(1 + kek.kid.length + WRAP_SALT_BYTES + WRAPPED_DEK_BYTES);
  block[0] = kek.kid.length;
  block.write(kek.kid, 1, 'latin1');
  block.set(wrapSalt, 1 + kek.kid.length);
  block.set(wrapped, 1 + kek.kid.length + WRAP_SALT_BYTES);
  return block;
}

/**
 * Seals one record with a data key and a fresh random payload nonce. `payloadNonce` is for the published test vectors
 * only: reusing one with the same data key voids the format's security.
 */
export function sealWithDataKey(
  dataKey: DataKey,
  address: RecordAddress,
  plaintext: Uint8Array,
  expiresAt: number,
  payloadNonce: Uint8Array = randomPublicBytes(NONCE_BYTES),
): Uint8Array {
  if (!Number.isSafeInteger(expiresAt) || expiresAt < 0) throw new RangeError('expiresAt must be a safe integer >= 0');
  const block = dataKey.keyBlock;
  const out = Buffer.allocUnsafe(13 + block.length + COMMITMENT_BYTES + NONCE_BYTES + plaintext.length + TAG_BYTES);
  out.set(ENVELOPE_MAGIC, 0);
  out[4] = 2;
  out.writeUInt32BE(Math.floor(expiresAt / 0x1_0000_0000), 5);
  out.writeUInt32BE(expiresAt % 0x1_0000_0000, 9);
  let offset = 13;
  out.set(block, offset);
  offset += block.length;
  out.set(dataKey.commitment, offset);
  offset += COMMITMENT_BYTES;
  out.set(payloadNonce, offset);
  offset += NONCE_BYTES;
  // Encrypt straight into the record: no intermediate buffers.
  const cipher = createCipheriv('aes-256-gcm', dataKey.payloadKey, payloadNonce, { authTagLength: TAG_BYTES });
  cipher.setAAD(scratchAad(address, expiresAt));
  const body = cipher.update(plaintext);
  out.set(body, offset);
  offset += body.length;
  const tail = cipher.final();
  out.set(tail, offset);
  offset += tail.length;
  out.set(cipher.getAuthTag(), offset);
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}

/**
 * Encrypts one record under a KEK with a fresh data key. `randomness` is for the published test vectors only.
 */
export function sealWithKey(
  kek: { kid: string; key: Uint8Array },
  address: RecordAddress,
  plaintext: Uint8Array,
  expiresAt: number,
  randomness?: SealRandomness,
): Uint8Array {
  const dataKey = newDataKey(kek, randomness);
  const sealed = sealWithDataKey(dataKey, address, plaintext, expiresAt, randomness?.payloadNonce);
  dataKey.payloadKey.fill(0);
  return sealed;
}

/** Encrypts one record under the keyring's primary key with a fresh data key. `expiresAt` is epoch ms, 0 for none. */
export function sealRecord(
  keyring: Keyring,
  address: RecordAddress,
  plaintext: Uint8Array,
  expiresAt: number,
): Uint8Array {
  return sealWithKey(primaryKey(keyring), address, plaintext, expiresAt);
}

/** An unwrapped data key remembered for reads, with what its key block says (kid, retirement bound). */
export interface CachedDataKey extends DataKeyMaterial {
  /** L | kid | wrap salt | wrapped DEK, as in the records sealed with this data key. */
  readonly keyBlock: Uint8Array;
  readonly kid: string;
  /** The kid's retirement bound in the keyring the entry was made under (the cache is emptied when that changes). */
  readonly notAfter: number | undefined;
}

/**
 * Remembers unwrapped version 2 data keys by their key block, so records sharing a data key skip the unwrap. Scoped to
 * one keyring: entries exist only for kids that keyring holds (it is emptied when the keyring changes).
 */
export interface UnwrappedKeyCache {
  /** The entry whose key block is `record[13..blockEnd]`, if any. `record` passed {@link v2KeyBlockEnd}. */
  find(record: Uint8Array, blockEnd: number): CachedDataKey | undefined;
  /** Remembers the material of a key block that was just unwrapped (or drawn) under the cache's keyring. */
  remember(keyBlock: Uint8Array, material: DataKeyMaterial, notAfter: number | undefined): void;
}

function kekFor(keyring: Keyring, parsed: ParsedEnvelope, where: string): Uint8Array {
  const kek = keyForKid(keyring, parsed.kid);
  if (!kek) {
    throw new UnknownKeyIdError(
      `${where} was written under key id "${parsed.kid}", which the keyring does not hold. Add that key as a decrypt-only key (keep retired keys until a rewrap pass has moved every record off them).`,
      { source: 'envelope' },
    );
  }
  return kek;
}

function checkRetirement(keyring: Keyring, parsed: ParsedEnvelope, where: string): void {
  checkNotAfter(parsed.kid, keyring.notAfter(parsed.kid), parsed.expiresAt, where);
}

function checkNotAfter(kid: string, notAfter: number | undefined, expiresAt: number, where: string): void {
  if (notAfter !== undefined && (expiresAt === 0 || expiresAt > notAfter)) {
    throw integrity(
      `${where} is under the retired key id "${kid}" but ${expiresAt === 0 ? 'never expires' : 'expires after'} that key's notAfter: a retired key only opens records that expire by its retirement. Rewrap the record under the current key before retiring the old one, or it was forged with the retired key.`,
    );
  }
}

const describeRecord = (address: RecordAddress) => `a record in collection "${address.collection}"`;

/**
 * Unwraps and verifies the DEK of a parsed envelope: kid lookup (never trial decryption), retirement bound, then the
 * GCM unwrap (v1: under the KEK with the header as AAD; v2: under the derived wrapping key).
 */
export function unwrapDek(keyring: Keyring, parsed: ParsedEnvelope, where: string): Buffer {
  const kek = kekFor(keyring, parsed, where);
  checkRetirement(keyring, parsed, where);
  let dek: Buffer | undefined;
  if (parsed.version === 1) {
    dek = unwrapDekV1(kek, parsed);
  } else {
    const kWrap = wrappingKey(kek, parsed.wrapSalt);
    dek = gcmDecrypt(kWrap, ZERO_NONCE, parsed.wrappedDek, wrapAad(parsed.kid));
    kWrap.fill(0);
    if (dek && dek.length !== DEK_BYTES) dek = undefined;
  }
  if (!dek) {
    throw integrity(
      `${where} failed authentication under key id "${parsed.kid}": the keyring holds a different key under that kid, or the record was tampered with. Check that every instance loads the same key material.`,
    );
  }
  return dek;
}

/** An authenticated record: its plaintext and its authenticated absolute expiry (0 = never). */
export interface OpenedRecord {
  readonly value: Uint8Array;
  readonly expiresAt: number;
}

/**
 * Decrypts a stored record for its address. Every failure is typed: {@link IntegrityError} for anything that is not
 * an authentic envelope for this address, {@link UnknownKeyIdError} for a kid the keyring lacks. The expiry is
 * returned, not enforced: the caller compares it with its clock.
 */
export function openRecord(
  keyring: Keyring,
  address: RecordAddress,
  stored: Uint8Array,
  cache?: UnwrappedKeyCache,
): OpenedRecord {
  if (cache !== undefined) {
    const blockEnd = v2KeyBlockEnd(stored);
    const cached = blockEnd > 0 ? cache.find(stored, blockEnd) : undefined;
    if (cached !== undefined) return openWithCachedKey(cached, address, stored, blockEnd);
  }
  const where = describeRecord(address);
  const parsed = parseEnvelope(stored);
  if (parsed.version === 1) return openV1(keyring, parsed, address, where);
  const dek = unwrapDek(keyring, parsed, where);
  const material = deriveDataKey(dek);
  dek.fill(0);
  // Only a key block that unwrapped is remembered: a forged one never reaches the cache.
  cache?.remember(parsed.keyBlock, material, keyring.notAfter(parsed.kid));
  return openPayload(
    material,
    address,
    parsed.commitment,
    parsed.payloadNonce,
    parsed.payload,
    parsed.expiresAt,
    !cache,
  );
}

/**
 * The read path when the record's key block is in the cache: no unwrap and no derivation, but the same checks as a
 * full open. The key block matched one that parsed and unwrapped under this keyring, so the kid is well formed and
 * held (the cache is emptied when the keyring changes); the retirement bound, the commitment and the payload's tag
 * (over the address and the authenticated expiry) are checked for this record.
 */
function openWithCachedKey(
  cached: CachedDataKey,
  address: RecordAddress,
  stored: Uint8Array,
  blockEnd: number,
): OpenedRecord {
  const expiresAt = expiryField(stored);
  if (cached.notAfter !== undefined) checkNotAfter(cached.kid, cached.notAfter, expiresAt, describeRecord(address));
  const nonceStart = blockEnd + COMMITMENT_BYTES;
  return openPayload(
    cached,
    address,
    stored.subarray(blockEnd, nonceStart),
    stored.subarray(nonceStart, nonceStart + NONCE_BYTES),
    stored.subarray(nonceStart + NONCE_BYTES),
    expiresAt,
    false,
  );
}

/** Commitment check (constant time, before any payload byte is decrypted), then the payload's AES-GCM open. */
function openPayload(
  material: DataKeyMaterial,
  address: RecordAddress,
  commitment: Uint8Array,
  nonce: Uint8Array,
  payload: Uint8Array,
  expiresAt: number,
  zeroKey: boolean,
): OpenedRecord {
  if (!timingSafeEqual(material.commitment, commitment)) {
    if (zeroKey) material.payloadKey.fill(0);
    throw integrity(`${describeRecord(address)} failed its key-commitment check (tampered or corrupted).`);
  }
  let value: Buffer | undefined;
  if (payload.length >= TAG_BYTES) {
    const bodyEnd = payload.length - TAG_BYTES;
    const decipher = createDecipheriv('aes-256-gcm', material.payloadKey, nonce, { authTagLength: TAG_BYTES });
    decipher.setAAD(scratchAad(address, expiresAt));
    decipher.setAuthTag(payload.subarray(bodyEnd));
    value = decipher.update(payload.subarray(0, bodyEnd));
    try {
      decipher.final();
    } catch {
      value.fill(0);
      value = undefined;
    }
  }
  if (zeroKey) material.payloadKey.fill(0);
  if (!value) {
    throw integrity(
      `${describeRecord(address)} failed authentication: it was tampered with, or copied from another key, collection or namespace.`,
    );
  }
  return { value, expiresAt };
}

function openV1(keyring: Keyring, parsed: ParsedEnvelope, address: RecordAddress, where: string): OpenedRecord {
  if (address.namespace !== '') {
    // v1 binds no namespace: accepting it here would let a record from any other store sharing the KEK replay.
    throw integrity(
      `${where} is in envelope format version 1, which binds no namespace, and this store has one. Read it through a store without a namespace and write it again, or let it expire.`,
    );
  }
  const dek = unwrapDek(keyring, parsed, where);
  const { payloadKey, commitment } = deriveFromDekV1(dek);
  dek.fill(0);
  if (!timingSafeEqual(commitment, parsed.commitment)) {
    payloadKey.fill(0);
    throw integrity(`${where} failed its key-commitment check (tampered or corrupted).`);
  }
  const value = openPayloadV1(payloadKey, parsed, address.collection, address.key);
  payloadKey.fill(0);
  if (!value) {
    throw integrity(`${where} failed authentication: it was tampered with, or copied from another key or collection.`);
  }
  return { value, expiresAt: parsed.expiresAt };
}

/**
 * Re-wraps a record's DEK under the keyring's primary key. The commitment, payload nonce and payload are copied byte for
 * byte; only the kid, wrap salt and wrapped DEK change (a version 1 record stays version 1: its payload key is derived
 * the v1 way). Verifies the wrap and the commitment first, so a tampered record is never re-authenticated.
 */
export function rewrapRecord(keyring: Keyring, stored: Uint8Array, where: string): Uint8Array {
  const parsed = parseEnvelope(stored);
  const dek = unwrapDek(keyring, parsed, where);
  const { payloadKey, commitment } = parsed.version === 1 ? deriveFromDekV1(dek) : deriveDataKey(dek);
  payloadKey.fill(0);
  if (!timingSafeEqual(commitment, parsed.commitment)) {
    dek.fill(0);
    throw integrity(`${where} failed its key-commitment check (tampered or corrupted).`);
  }
  const primary = primaryKey(keyring);
  const head =
    parsed.version === 1
      ? wrapDekV1(primary, parsed.expiresAt, dek)
      : (() => {
          const block = wrapDataKey(primary, dek, randomBytes(WRAP_SALT_BYTES));
          const out = new Uint8Array(13 + block.length);
          out.set(stored.subarray(0, 13));
          out.set(block, 13);
          return out;
        })();
  dek.fill(0);
  const tail = stored.subarray(parsed.header.length + parsed.wrapSalt.length + WRAPPED_DEK_BYTES);
  const out = new Uint8Array(head.length + tail.length);
  out.set(head);
  out.set(tail, head.length);
  return out;
}

/** Bytes of the GCM tag (re-exported for tests). */
export { TAG_BYTES };
