import { IntegrityError } from '@oauth-store/core';
import { concatBytes, lengthPrefixed, u64 } from './bytes';

/**
 * The envelope byte formats (docs/encryption-format.md is the normative description; keep them in step). Version 2 is
 * written; version 1 is still read (and re-wrapped), never written.
 *
 * Both versions share one outer layout; only the sizes of two fields and what the keys are derived from differ:
 *
 * ```
 * offset        size   field
 * 0             4      magic 00 4F 53 45 ("\0OSE")
 * 4             1      format version (01 or 02)
 * 5             8      expiresAt: absolute expiry, ms since the Unix epoch, unsigned big-endian; 0 = never expires
 * 13            1      L = length of the kid (1..255)
 * 14            L      kid, printable ASCII
 * 14+L          W      wrap salt (v2, W = 32) / wrap nonce (v1, W = 12)
 * 14+L+W        48     wrapped DEK (32 bytes + 16-byte GCM tag)
 * 62+L+W        32     key commitment
 * 94+L+W        12     payload nonce (random)
 * 106+L+W       n+16   payload ciphertext + GCM tag
 * ```
 */

/** Bytes every envelope starts with. The leading zero byte never begins text or JSON, so planted plaintext shows. */
export const ENVELOPE_MAGIC: Uint8Array = Uint8Array.of(0x00, 0x4f, 0x53, 0x45);
/** The format version this package writes. It reads this one and every older one ({@link READABLE_FORMAT_VERSIONS}). */
export const ENVELOPE_FORMAT_VERSION = 2;
/** Every format version this package reads. */
export const READABLE_FORMAT_VERSIONS: readonly number[] = Object.freeze([1, 2]);

/** Length of a data-encryption key. */
export const DEK_BYTES = 32;
/** Length of every AES-GCM tag in the format. */
export const TAG_BYTES = 16;
/** Length of the key commitment. */
export const COMMITMENT_BYTES = 32;
/** Length of the wrapped DEK (ciphertext + tag). */
export const WRAPPED_DEK_BYTES = DEK_BYTES + TAG_BYTES;
/** Length of every AES-GCM nonce stored in a record (the payload nonce; v1's wrap nonce). */
export const NONCE_BYTES = 12;
/** Length of the AES-GCM nonces of version 1. */
export const V1_NONCE_BYTES = NONCE_BYTES;
/** Length of the version 2 wrap salt: one fresh wrapping key per wrapped DEK is derived from the KEK and it. */
export const WRAP_SALT_BYTES = 32;

const FIXED_HEADER_BYTES = 4 + 1 + 8 + 1;

interface Layout {
  readonly wrapSalt: number;
}

const V2_LAYOUT: Layout = { wrapSalt: WRAP_SALT_BYTES };
const LAYOUTS: Readonly<Record<number, Layout>> = {
  1: { wrapSalt: V1_NONCE_BYTES },
  2: V2_LAYOUT,
};

function overheadOf(layout: Layout, kidLength: number): number {
  return (
    FIXED_HEADER_BYTES + kidLength + layout.wrapSalt + WRAPPED_DEK_BYTES + COMMITMENT_BYTES + NONCE_BYTES + TAG_BYTES
  );
}

/** Envelope size minus plaintext size, in the written format (version 2), for a kid of `kidLength` bytes: 154 + L. */
export function envelopeOverhead(kidLength: number): number {
  return overheadOf(LAYOUTS[ENVELOPE_FORMAT_VERSION]!, kidLength);
}

/** The largest overhead (a 255-byte kid): what the wrapper subtracts from the inner store's `maxValueBytes`. */
export const MAX_ENVELOPE_OVERHEAD = envelopeOverhead(255);

/** An envelope split into its fields (nothing verified yet). Views share the input's memory. */
export interface ParsedEnvelope {
  readonly version: 1 | 2;
  /** Absolute expiry in epoch ms, or 0 for none. */
  readonly expiresAt: number;
  readonly kid: string;
  /** Bytes 0..14+L: magic, version, expiresAt, kid length, kid. */
  readonly header: Uint8Array;
  /** Bytes 13..62+L+W: kid length, kid, wrap salt, wrapped DEK. Identical in every record sharing a wrapped DEK. */
  readonly keyBlock: Uint8Array;
  /** v2: the wrap salt; v1: the wrap nonce. */
  readonly wrapSalt: Uint8Array;
  /** Wrapped DEK followed by its tag. */
  readonly wrappedDek: Uint8Array;
  readonly commitment: Uint8Array;
  /** The payload's AES-GCM nonce. */
  readonly payloadNonce: Uint8Array;
  /** Payload ciphertext followed by its tag. */
  readonly payload: Uint8Array;
}

const KID_PATTERN = /^[\x21-\x7e]{1,255}$/;

function integrity(message: string): IntegrityError {
  return new IntegrityError(message, { source: 'envelope' });
}

/** True when `bytes` starts with the envelope magic (it may still be truncated or forged). */
export function hasEnvelopeMagic(bytes: Uint8Array): boolean {
  return (
    bytes.length >= 4 &&
    bytes[0] === ENVELOPE_MAGIC[0] &&
    bytes[1] === ENVELOPE_MAGIC[1] &&
    bytes[2] === ENVELOPE_MAGIC[2] &&
    bytes[3] === ENVELOPE_MAGIC[3]
  );
}

/**
 * Builds a header: magic | version | expiresAt | kid length | kid.
 * Throws when expiresAt is not a safe non-negative integer or the kid is not valid (caller bugs, not data errors).
 */
export function encodeHeader(expiresAt: number, kid: string, version: 1 | 2 = ENVELOPE_FORMAT_VERSION): Uint8Array {
  if (!Number.isSafeInteger(expiresAt) || expiresAt < 0) throw new RangeError('expiresAt must be a safe integer >= 0');
  if (!KID_PATTERN.test(kid)) throw new RangeError('kid must be 1 to 255 printable ASCII characters');
  const header = new Uint8Array(FIXED_HEADER_BYTES + kid.length);
  header.set(ENVELOPE_MAGIC, 0);
  header[4] = version;
  new DataView(header.buffer).setBigUint64(5, BigInt(expiresAt), false);
  header[13] = kid.length;
  for (let i = 0; i < kid.length; i++) header[FIXED_HEADER_BYTES + i] = kid.charCodeAt(i);
  return header;
}

/**
 * The offset where the key block of a version 2 envelope ends (the commitment starts there), or -1 unless `bytes`
 * has the magic, version 2, a kid length of at least 1, a valid expiry field and at least the minimum length for it.
 * The read path's cache lookup: it allocates nothing; the kid's characters are not checked here (a cache hit matches
 * a key block that {@link parseEnvelope} accepted), and anything it refuses goes through {@link parseEnvelope}.
 */
export function v2KeyBlockEnd(bytes: Uint8Array): number {
  if (bytes.length < FIXED_HEADER_BYTES || !hasEnvelopeMagic(bytes) || bytes[4] !== 2) return -1;
  const kidLength = bytes[13]!;
  if (kidLength === 0 || bytes.length < overheadOf(V2_LAYOUT, kidLength)) return -1;
  // expiresAt must fit a safe integer: its high 32 bits (bytes 5..8) at most 0x1fffff.
  if (bytes[5] !== 0 || bytes[6]! > 0x1f) return -1;
  return FIXED_HEADER_BYTES + kidLength + WRAP_SALT_BYTES + WRAPPED_DEK_BYTES;
}

/** The expiry field of an envelope whose structure was checked (epoch ms, 0 = never). */
export function expiryField(bytes: Uint8Array): number {
  const high = ((bytes[5]! << 24) | (bytes[6]! << 16) | (bytes[7]! << 8) | bytes[8]!) >>> 0;
  const low = ((bytes[9]! << 24) | (bytes[10]! << 16) | (bytes[11]! << 8) | bytes[12]!) >>> 0;
  return high * 0x1_0000_0000 + low;
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
  const layout = LAYOUTS[version];
  if (!layout) {
    throw integrity(
      `the stored record has envelope format version ${version}; this version of @oauth-store/envelope reads versions ${READABLE_FORMAT_VERSIONS.join(' and ')}. Upgrade the package if a newer writer produced it; otherwise the record was tampered with.`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const high = view.getUint32(5, false);
  // Two 32-bit halves instead of a BigInt: the expiry must fit a safe integer (2^53 - 1).
  if (high > 0x1fffff) throw integrity('the stored record has an invalid expiry field.');
  const expiresAt = high * 0x1_0000_0000 + view.getUint32(9, false);
  const kidLength = bytes[13]!;
  if (bytes.length < overheadOf(layout, kidLength)) throw truncated();
  let offset = FIXED_HEADER_BYTES;
  // Printable ASCII only, so decoding is exact and a tampered kid can never smuggle control characters into messages.
  if (kidLength === 0) throw malformedKid();
  for (let i = offset; i < offset + kidLength; i++) {
    const byte = bytes[i]!;
    if (byte < 0x21 || byte > 0x7e) throw malformedKid();
  }
  const kid = Buffer.from(bytes.buffer, bytes.byteOffset + offset, kidLength).toString('latin1');
  offset += kidLength;
  const saltEnd = offset + layout.wrapSalt;
  const blockEnd = saltEnd + WRAPPED_DEK_BYTES;
  const nonceStart = blockEnd + COMMITMENT_BYTES;
  const payloadStart = nonceStart + NONCE_BYTES;
  const header = bytes.subarray(0, offset);
  const wrapSalt = bytes.subarray(offset, saltEnd);
  const wrappedDek = bytes.subarray(saltEnd, blockEnd);
  const keyBlock = bytes.subarray(13, blockEnd);
  const commitment = bytes.subarray(blockEnd, nonceStart);
  const payloadNonce = bytes.subarray(nonceStart, payloadStart);
  const payload = bytes.subarray(payloadStart);
  return {
    version: version as 1 | 2,
    expiresAt,
    kid,
    header,
    keyBlock,
    wrapSalt,
    wrappedDek,
    commitment,
    payloadNonce,
    payload,
  };
}

function malformedKid(): IntegrityError {
  return integrity('the stored record has a malformed key id field (tampered or corrupted).');
}

function truncated(): IntegrityError {
  return integrity('the stored record is shorter than its header says (truncated or corrupted).');
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

/** Re-exported for the format modules and tests. */
export { concatBytes, lengthPrefixed, u64 };
