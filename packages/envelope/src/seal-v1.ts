import { hkdfSync, randomBytes } from 'node:crypto';
import { concatBytes, lengthPrefixed } from './bytes';
import { DEK_BYTES, ENVELOPE_MAGIC, encodeHeader, type ParsedEnvelope, V1_NONCE_BYTES } from './format';
import { gcmDecrypt, gcmEncrypt } from './gcm';

/**
 * Format version 1 (read and re-wrapped, never written by this version of the package). Kept byte for byte so
 * records written by 0.1 stay readable; docs/encryption-format.md "Version 1" describes it.
 *
 * v1 wraps each DEK with AES-256-GCM directly under the KEK with a random 96-bit nonce (bounded to about 2^32 wraps
 * per KEK) and binds no namespace; version 2 removes both limits.
 */

/** HKDF-SHA256 salt of the v1 derivation from a DEK. */
export const DEK_HKDF_SALT = 'oauth-store/envelope/v1';
/** HKDF-SHA256 info of the v1 derivation from a DEK (one 64-byte output: payload key, then commitment). */
export const DEK_HKDF_INFO = 'oauth-store/envelope/v1 payload key and commitment';

/** The v1 derivation: bytes 0..32 of HKDF-SHA256(DEK, salt, info, 64) are the payload key, 32..64 the commitment. */
export function deriveFromDekV1(dek: Uint8Array): { payloadKey: Buffer; commitment: Buffer } {
  const okm = Buffer.from(hkdfSync('sha256', dek, DEK_HKDF_SALT, DEK_HKDF_INFO, 64));
  return { payloadKey: okm.subarray(0, 32), commitment: okm.subarray(32, 64) };
}

/** The v1 payload AAD: magic | 01 | expiresAt (8 bytes BE) | lp(collection) | lp(key). */
export function payloadAadV1(collection: string, key: string, expiresAt: number): Uint8Array {
  const fixed = new Uint8Array(13);
  fixed.set(ENVELOPE_MAGIC, 0);
  fixed[4] = 1;
  new DataView(fixed.buffer).setBigUint64(5, BigInt(expiresAt), false);
  return concatBytes([fixed, lengthPrefixed(collection), lengthPrefixed(key)]);
}

/** Unwraps a v1 DEK (AAD = the header); undefined when the tag fails. */
export function unwrapDekV1(kek: Uint8Array, parsed: ParsedEnvelope): Buffer | undefined {
  const dek = gcmDecrypt(kek, parsed.wrapSalt, parsed.wrappedDek, parsed.header);
  return dek && dek.length === DEK_BYTES ? dek : undefined;
}

/** Opens a v1 payload with its (already verified) payload key; undefined when the tag fails. */
export function openPayloadV1(
  payloadKey: Uint8Array,
  parsed: ParsedEnvelope,
  collection: string,
  key: string,
): Buffer | undefined {
  return gcmDecrypt(payloadKey, parsed.payloadNonce, parsed.payload, payloadAadV1(collection, key, parsed.expiresAt));
}

/** Wraps a DEK in the v1 layout: header | wrap nonce | GCM(KEK, nonce, DEK, AAD = header). */
export function wrapDekV1(
  kek: { kid: string; key: Uint8Array },
  expiresAt: number,
  dek: Uint8Array,
  wrapNonce: Uint8Array = randomBytes(V1_NONCE_BYTES),
): Uint8Array {
  const header = encodeHeader(expiresAt, kek.kid, 1);
  return concatBytes([header, wrapNonce, gcmEncrypt(kek.key, wrapNonce, dek, header)]);
}

/** The fixed random inputs of a v1 seal (test vectors and the backward-compatibility tests only). */
export interface SealRandomnessV1 {
  readonly dek: Uint8Array;
  readonly wrapNonce: Uint8Array;
  readonly payloadNonce: Uint8Array;
}

/**
 * Writes a version 1 record. Only the test vectors and the tests proving that old records stay readable call this;
 * the wrapper never writes version 1.
 */
export function sealV1(
  kek: { kid: string; key: Uint8Array },
  address: { collection: string; key: string },
  plaintext: Uint8Array,
  expiresAt: number,
  randomness: SealRandomnessV1 = {
    dek: randomBytes(DEK_BYTES),
    wrapNonce: randomBytes(V1_NONCE_BYTES),
    payloadNonce: randomBytes(V1_NONCE_BYTES),
  },
): Uint8Array {
  const { payloadKey, commitment } = deriveFromDekV1(randomness.dek);
  return concatBytes([
    wrapDekV1(kek, expiresAt, randomness.dek, randomness.wrapNonce),
    commitment,
    randomness.payloadNonce,
    gcmEncrypt(
      payloadKey,
      randomness.payloadNonce,
      plaintext,
      payloadAadV1(address.collection, address.key, expiresAt),
    ),
  ]);
}
