import { createCipheriv, createDecipheriv, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';
import { IntegrityError, UnknownKeyIdError } from '@oauth-store/core';
import {
  concatBytes,
  DEK_BYTES,
  DEK_HKDF_INFO,
  DEK_HKDF_SALT,
  encodeHeader,
  NONCE_BYTES,
  type ParsedEnvelope,
  parseEnvelope,
  payloadAad,
  TAG_BYTES,
} from './format';
import { type Keyring, keyForKid, primaryKey } from './keyring';

/** Where a record lives: both names are bound into the payload's AAD. */
export interface RecordAddress {
  readonly collection: string;
  /** The logical key the caller uses (not the hashed name the backend sees). */
  readonly key: string;
}

/** The random inputs of one seal; injected only by the test vectors. */
export interface SealRandomness {
  readonly dek: Uint8Array;
  readonly wrapNonce: Uint8Array;
  readonly payloadNonce: Uint8Array;
}

function integrity(message: string): IntegrityError {
  return new IntegrityError(message, { source: 'envelope' });
}

/**
 * Derives the payload key and the 32-byte key commitment from a DEK: one HKDF-SHA256 output of 64 bytes, split in
 * two (as AWS's committing suites derive an encryption key and a commitment from the data key).
 */
export function deriveFromDek(dek: Uint8Array): { payloadKey: Buffer; commitment: Buffer } {
  const okm = Buffer.from(hkdfSync('sha256', dek, DEK_HKDF_SALT, DEK_HKDF_INFO, 64));
  return { payloadKey: okm.subarray(0, 32), commitment: okm.subarray(32, 64) };
}

function gcmEncrypt(key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array, aad: Uint8Array) {
  const cipher = createCipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG_BYTES });
  cipher.setAAD(aad);
  return concatBytes([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
}

/** AES-256-GCM open; undefined when authentication fails (the caller decides which typed error that is). */
function gcmDecrypt(key: Uint8Array, nonce: Uint8Array, sealed: Uint8Array, aad: Uint8Array): Uint8Array | undefined {
  const decipher = createDecipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG_BYTES });
  decipher.setAAD(aad);
  decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
  const body = decipher.update(sealed.subarray(0, sealed.length - TAG_BYTES));
  try {
    return concatBytes([body, decipher.final()]);
  } catch {
    body.fill(0);
    return undefined;
  }
}

function wrapDek(kek: Uint8Array, kid: string, expiresAt: number, dek: Uint8Array, wrapNonce: Uint8Array) {
  const header = encodeHeader(expiresAt, kid);
  return concatBytes([header, wrapNonce, gcmEncrypt(kek, wrapNonce, dek, header)]);
}

/**
 * Encrypts one record under a KEK. `randomness` is for the published test vectors only: reusing a DEK or a nonce
 * across records voids the security of the format.
 */
export function sealWithKey(
  kek: { kid: string; key: Uint8Array },
  address: RecordAddress,
  plaintext: Uint8Array,
  expiresAt: number,
  randomness?: SealRandomness,
): Uint8Array {
  // One call to the CSPRNG for all three values: each call has a fixed cost larger than the bytes themselves.
  const random = randomness ? undefined : randomBytes(DEK_BYTES + 2 * NONCE_BYTES);
  const dek = randomness?.dek ?? random!.subarray(0, DEK_BYTES);
  const wrapNonce = randomness?.wrapNonce ?? random!.subarray(DEK_BYTES, DEK_BYTES + NONCE_BYTES);
  const payloadNonce = randomness?.payloadNonce ?? random!.subarray(DEK_BYTES + NONCE_BYTES);
  const { payloadKey, commitment } = deriveFromDek(dek);
  const sealed = concatBytes([
    wrapDek(kek.key, kek.kid, expiresAt, dek, wrapNonce),
    commitment,
    payloadNonce,
    gcmEncrypt(payloadKey, payloadNonce, plaintext, payloadAad(address.collection, address.key, expiresAt)),
  ]);
  payloadKey.fill(0);
  random?.fill(0);
  return sealed;
}

/** Encrypts one record under the keyring's primary key. `expiresAt` is epoch ms, 0 for none. */
export function sealRecord(
  keyring: Keyring,
  address: RecordAddress,
  plaintext: Uint8Array,
  expiresAt: number,
): Uint8Array {
  return sealWithKey(primaryKey(keyring), address, plaintext, expiresAt);
}

/**
 * Unwraps and verifies the DEK of a parsed envelope: kid lookup (never trial decryption), GCM unwrap with the header
 * as AAD, then the key commitment, compared in constant time before any payload byte is decrypted.
 */
export function unwrapDek(
  keyring: Keyring,
  parsed: ParsedEnvelope,
  where: string,
): { dek: Uint8Array; payloadKey: Buffer } {
  const kek = keyForKid(keyring, parsed.kid);
  if (!kek) {
    throw new UnknownKeyIdError(
      `${where} was written under key id "${parsed.kid}", which the keyring does not hold. Add that key as a decrypt-only key (keep retired keys until a rewrap pass has moved every record off them).`,
      { source: 'envelope' },
    );
  }
  const dek = gcmDecrypt(kek, parsed.wrapNonce, parsed.wrappedDek, parsed.header);
  if (!dek || dek.length !== DEK_BYTES) {
    throw integrity(
      `${where} failed authentication under key id "${parsed.kid}": the keyring holds a different key under that kid, or the record was tampered with. Check that every instance loads the same key material.`,
    );
  }
  // One derivation yields both halves: the commitment checked here and the payload key the caller uses next.
  const { commitment, payloadKey } = deriveFromDek(dek);
  if (!timingSafeEqual(commitment, parsed.commitment)) {
    dek.fill(0);
    payloadKey.fill(0);
    throw integrity(`${where} failed its key-commitment check (tampered or corrupted).`);
  }
  return { dek, payloadKey };
}

/**
 * Decrypts a stored record for (collection, key). Every failure is typed: {@link IntegrityError} for anything that
 * is not an authentic envelope for this address, {@link UnknownKeyIdError} for a kid the keyring lacks.
 */
export function openRecord(keyring: Keyring, address: RecordAddress, stored: Uint8Array): Uint8Array {
  const where = `a record in collection "${address.collection}"`;
  const parsed = parseEnvelope(stored);
  const { dek, payloadKey } = unwrapDek(keyring, parsed, where);
  dek.fill(0);
  const aad = payloadAad(address.collection, address.key, parsed.expiresAt);
  const plaintext = gcmDecrypt(payloadKey, parsed.payloadNonce, parsed.payload, aad);
  payloadKey.fill(0);
  if (!plaintext) {
    throw integrity(`${where} failed authentication: it was tampered with, or copied from another key or collection.`);
  }
  return plaintext;
}

/**
 * Re-wraps a record's DEK under the keyring's primary key. The payload (commitment, nonce, ciphertext) is copied byte
 * for byte; only the kid, wrap nonce and wrapped DEK change. Verifies the wrap and the commitment first, so a
 * tampered header is never re-authenticated under the new key.
 */
export function rewrapRecord(keyring: Keyring, stored: Uint8Array, where: string): Uint8Array {
  const parsed = parseEnvelope(stored);
  const { dek, payloadKey } = unwrapDek(keyring, parsed, where);
  payloadKey.fill(0);
  const primary = primaryKey(keyring);
  const rewrapped = concatBytes([
    wrapDek(primary.key, primary.kid, parsed.expiresAt, dek, randomBytes(NONCE_BYTES)),
    parsed.commitment,
    parsed.payloadNonce,
    parsed.payload,
  ]);
  dek.fill(0);
  return rewrapped;
}
