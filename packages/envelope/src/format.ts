import { IntegrityError } from '@oauth-store/core';

/**
 * The envelope byte format, version 1 (docs/encryption-format.md is the normative description; keep them in step).
 *
 * ```
 * offset      size  field
 * 0           4     magic 00 4F 53 45 ("\0OSE")
 * 4           1     format version (01)
 * 5           8     expiresAt: absolute expiry, ms since the Unix epoch, unsigned big-endian; 0 = never expires
 * 13          1     L = length of the kid (1..255)
 * 14          L     kid, printable ASCII
 * 14+L        12    wrap nonce
 * 26+L        48    wrapped DEK: AES-256-GCM(KEK, wrap nonce, DEK, AAD = bytes 0..14+L) = 32 bytes + 16-byte tag
 * 74+L        32    key commitment = bytes 32..64 of HKDF-SHA256(DEK, salt, info, 64)
 * 106+L       12    payload nonce
 * 118+L       n+16  payload: AES-256-GCM(bytes 0..32 of the same HKDF output, payload nonce, plaintext,
 *                   AAD = magic | version | expiresAt | u32 len(collection) | collection | u32 len(key) | key)
 * ```
 */

/** Bytes every envelope starts with. The leading zero byte never begins text or JSON, so planted plaintext shows. */
export const ENVELOPE_MAGIC: Uint8Array = Uint8Array.of(0x00, 0x4f, 0x53, 0x45);
/** The format version this package writes and reads. */
export const ENVELOPE_FORMAT_VERSION = 1;

/** HKDF-SHA256 salt of the derivation from a DEK (format version 1). */
export const DEK_HKDF_SALT = 'oauth-store/envelope/v1';
/**
 * HKDF-SHA256 info of the derivation from a DEK. One 64-byte output is split: bytes 0..32 are the payload key,
 * bytes 32..64 the key commitment (RFC 5869 allows splitting the output into several keys; one call instead of two
 * halves the cost, which dominates a seal).
 */
export const DEK_HKDF_INFO = 'oauth-store/envelope/v1 payload key and commitment';

/** Length of a data-encryption key. */
export const DEK_BYTES = 32;
/** Length of every AES-GCM nonce in the format. */
export const NONCE_BYTES = 12;
/** Length of every AES-GCM tag in the format. */
export const TAG_BYTES = 16;
/** Length of the key commitment. */
export const COMMITMENT_BYTES = 32;
/** Length of the wrapped DEK (ciphertext + tag). */
export const WRAPPED_DEK_BYTES = DEK_BYTES + TAG_BYTES;

const FIXED_HEADER_BYTES = 4 + 1 + 8 + 1;
const FIXED_OVERHEAD =
  FIXED_HEADER_BYTES + NONCE_BYTES + WRAPPED_DEK_BYTES + COMMITMENT_BYTES + NONCE_BYTES + TAG_BYTES;

/** Envelope size minus plaintext size for a kid of `kidLength` bytes: 134 + kidLength. */
export function envelopeOverhead(kidLength: number): number {
  return FIXED_OVERHEAD + kidLength;
}

/** The largest overhead (a 255-byte kid): what the wrapper subtracts from the inner store's `maxValueBytes`. */
export const MAX_ENVELOPE_OVERHEAD = envelopeOverhead(255);

/** An envelope split into its fields (nothing verified yet). Views share the input's memory. */
export interface ParsedEnvelope {
  readonly version: number;
  /** Absolute expiry in epoch ms, or 0 for none. */
  readonly expiresAt: number;
  readonly kid: string;
  /** Bytes 0..14+L: magic, version, expiresAt, kid length, kid. The AAD of the DEK wrap. */
  readonly header: Uint8Array;
  readonly wrapNonce: Uint8Array;
  /** Wrapped DEK followed by its tag. */
  readonly wrappedDek: Uint8Array;
  readonly commitment: Uint8Array;
  readonly payloadNonce: Uint8Array;
  /** Payload ciphertext followed by its tag. */
  readonly payload: Uint8Array;
}

const KID_PATTERN = /^[\x21-\x7e]{1,255}$/;
const encoder = new TextEncoder();

function integrity(message: string): IntegrityError {
  return new IntegrityError(message, { source: 'envelope' });
}

/** True when `bytes` starts with the envelope magic (it may still be truncated or forged). */
export function hasEnvelopeMagic(bytes: Uint8Array): boolean {
  return bytes.length >= ENVELOPE_MAGIC.length && ENVELOPE_MAGIC.every((byte, i) => bytes[i] === byte);
}

/**
 * Builds the header (the wrap's AAD): magic | version | expiresAt | kid length | kid.
 * Throws when expiresAt is not a safe non-negative integer or the kid is not valid (caller bugs, not data errors).
 */
export function encodeHeader(expiresAt: number, kid: string): Uint8Array {
  if (!Number.isSafeInteger(expiresAt) || expiresAt < 0) throw new RangeError('expiresAt must be a safe integer >= 0');
  if (!KID_PATTERN.test(kid)) throw new RangeError('kid must be 1 to 255 printable ASCII characters');
  const header = new Uint8Array(FIXED_HEADER_BYTES + kid.length);
  header.set(ENVELOPE_MAGIC, 0);
  header[4] = ENVELOPE_FORMAT_VERSION;
  new DataView(header.buffer).setBigUint64(5, BigInt(expiresAt), false);
  header[13] = kid.length;
  header.set(encoder.encode(kid), FIXED_HEADER_BYTES);
  return header;
}

/**
 * Splits stored bytes into envelope fields. Every structural problem (no magic, unknown version, bad kid, too short)
 * is an {@link IntegrityError}: stored bytes that are not a well-formed envelope are never passed through.
 */
export function parseEnvelope(bytes: Uint8Array): ParsedEnvelope {
  if (!hasEnvelopeMagic(bytes)) {
    throw integrity(
      'the stored record is not an encrypted envelope (no format prefix): something wrote to the backend without the envelope wrapper, or the record was corrupted. Delete it and write it again through the wrapper.',
    );
  }
  if (bytes.length < FIXED_HEADER_BYTES) throw truncated();
  const version = bytes[4]!;
  if (version !== ENVELOPE_FORMAT_VERSION) {
    throw integrity(
      `the stored record has envelope format version ${version}; this version of @oauth-store/envelope reads version ${ENVELOPE_FORMAT_VERSION}. Upgrade the package if a newer writer produced it; otherwise the record was tampered with.`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const expiresAtBig = view.getBigUint64(5, false);
  if (expiresAtBig > BigInt(Number.MAX_SAFE_INTEGER)) throw integrity('the stored record has an invalid expiry field.');
  const kidLength = bytes[13]!;
  if (bytes.length < envelopeOverhead(kidLength)) throw truncated();
  let offset = FIXED_HEADER_BYTES;
  const kidBytes = bytes.subarray(offset, offset + kidLength);
  // Printable ASCII only, so decoding is exact and a tampered kid can never smuggle control characters into messages.
  if (kidLength === 0 || !kidBytes.every((byte) => byte >= 0x21 && byte <= 0x7e)) {
    throw integrity('the stored record has a malformed key id field (tampered or corrupted).');
  }
  const kid = String.fromCharCode(...kidBytes);
  offset += kidLength;
  const take = (size: number) => {
    const field = bytes.subarray(offset, offset + size);
    offset += size;
    return field;
  };
  const header = bytes.subarray(0, offset);
  const wrapNonce = take(NONCE_BYTES);
  const wrappedDek = take(WRAPPED_DEK_BYTES);
  const commitment = take(COMMITMENT_BYTES);
  const payloadNonce = take(NONCE_BYTES);
  const payload = bytes.subarray(offset);
  return {
    version,
    expiresAt: Number(expiresAtBig),
    kid,
    header,
    wrapNonce,
    wrappedDek,
    commitment,
    payloadNonce,
    payload,
  };
}

function truncated(): IntegrityError {
  return integrity('the stored record is shorter than its header says (truncated or corrupted).');
}

function u32(length: number): Uint8Array {
  const bytes = new Uint8Array(4);
  new DataView(bytes.buffer).setUint32(0, length, false);
  return bytes;
}

/** Concatenates byte arrays. */
export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** UTF-8 bytes prefixed with their length as an unsigned 32-bit big-endian integer. */
export function lengthPrefixed(text: string): Uint8Array {
  const bytes = encoder.encode(text);
  return concatBytes([u32(bytes.length), bytes]);
}

/**
 * The payload's AAD: magic | version | expiresAt (8 bytes BE) | u32 len(collection) | collection | u32 len(key) | key.
 * Length prefixes make (collection "ab", key "c") and (collection "a", key "bc") different byte strings.
 */
export function payloadAad(collection: string, key: string, expiresAt: number): Uint8Array {
  const fixed = new Uint8Array(13);
  fixed.set(ENVELOPE_MAGIC, 0);
  fixed[4] = ENVELOPE_FORMAT_VERSION;
  new DataView(fixed.buffer).setBigUint64(5, BigInt(expiresAt), false);
  return concatBytes([fixed, lengthPrefixed(collection), lengthPrefixed(key)]);
}

/** What {@link inspectEnvelope} reveals without any key: fields stored in the clear. */
export interface EnvelopeInfo {
  /** Envelope format version. */
  readonly formatVersion: number;
  /** Key id of the KEK that wrapped this record's DEK. */
  readonly kid: string;
  /** Absolute expiry in epoch ms, or undefined when the record does not expire. Unverified until decrypted. */
  readonly expiresAt: number | undefined;
}

/**
 * Reads the clear-text header fields of stored bytes (for rotation checks and tests); verifies nothing.
 * Throws an {@link IntegrityError} when the bytes are not a well-formed envelope.
 */
export function inspectEnvelope(bytes: Uint8Array): EnvelopeInfo {
  const parsed = parseEnvelope(bytes);
  return { formatVersion: parsed.version, kid: parsed.kid, expiresAt: parsed.expiresAt || undefined };
}
