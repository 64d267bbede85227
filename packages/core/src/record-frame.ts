import { randomFillSync } from 'node:crypto';
import { IntegrityError } from './errors';

/**
 * The frame the runtime wraps around every stored value, on every backend:
 *
 * | offset | size | field                                                          |
 * |--------|------|----------------------------------------------------------------|
 * | 0      | 1    | `0xF2` (frame format 2; format 1 was the bare value)           |
 * | 1      | 8    | absolute expiry, epoch ms, unsigned big-endian; 0 = never      |
 * | 9      | 16   | version: random id of this write                               |
 * | 25     | n    | the value                                                      |
 *
 * Carrying the absolute expiry inside the record is what lets the runtime (not each driver) guarantee that no expired
 * entry is ever returned, whatever the backend's expiry lag or precision, and lets `migrate` keep exact TTLs. The
 * version makes compare-and-set possible on every backend (drivers compare the 16 bytes natively) and lets the runtime
 * recognise a write of its own whose response was lost.
 */
export const FRAME_MAGIC = 0xf2;
/** Byte length of the frame header. */
export const FRAME_HEADER_BYTES = 25;
/** Byte offset of the version in a frame. */
export const FRAME_VERSION_OFFSET = 9;
/** Byte length of a version. */
export const FRAME_VERSION_BYTES = 16;
/** Length of a version as the base64url string users see. */
export const VERSION_STRING_LENGTH = 22;

/** A decoded frame. `value` is a view into the frame's bytes, not a copy. */
export interface DecodedFrame {
  /** Absolute expiry in epoch ms, or undefined. */
  expiresAt: number | undefined;
  /** The version as its 16 bytes (a view). */
  versionBytes: Uint8Array;
  /** The stored value (a view). */
  value: Uint8Array;
}

// Versions come from one pooled buffer refilled from the CSPRNG in bulk: one randomFillSync per 256 writes instead of
// one per write.
const POOL_SIZE = FRAME_VERSION_BYTES * 256;
let pool = Buffer.allocUnsafe(POOL_SIZE);
let poolOffset = POOL_SIZE;

/** Fills `target[offset, offset+16)` with a fresh random version. */
function fillVersion(target: Uint8Array, offset: number): void {
  if (poolOffset >= POOL_SIZE) {
    pool = Buffer.allocUnsafe(POOL_SIZE);
    randomFillSync(pool);
    poolOffset = 0;
  }
  // A byte loop: no subarray view to allocate for 16 bytes.
  for (let i = 0; i < FRAME_VERSION_BYTES; i++) target[offset + i] = pool[poolOffset + i] as number;
  poolOffset += FRAME_VERSION_BYTES;
}

const TWO_TO_32 = 2 ** 32;

/** Builds the frame for a new write: a fresh version, the expiry, the value. */
export function encodeFrame(value: Uint8Array, expiresAt: number | undefined): Buffer {
  const frame = Buffer.allocUnsafe(FRAME_HEADER_BYTES + value.byteLength);
  frame[0] = FRAME_MAGIC;
  // Two 32-bit halves instead of writeBigUInt64BE: no BigInt per write. Expiries are safe integers (validated).
  const expiry = expiresAt ?? 0;
  frame.writeUInt32BE(Math.floor(expiry / TWO_TO_32), 1);
  frame.writeUInt32BE(expiry % TWO_TO_32, 5);
  fillVersion(frame, FRAME_VERSION_OFFSET);
  frame.set(value, FRAME_HEADER_BYTES);
  return frame;
}

/**
 * Throws {@link IntegrityError} unless `bytes` is a record frame, then returns its absolute expiry (epoch ms) or
 * undefined. Reads the header in place: no view, object or BigInt is allocated (it runs on every get and take).
 */
export function frameExpiry(bytes: Uint8Array, source: string): number | undefined {
  if (bytes.byteLength < FRAME_HEADER_BYTES || bytes[0] !== FRAME_MAGIC) throw notAFrame(source);
  const high =
    (bytes[1] as number) * 0x1000000 +
    (((bytes[2] as number) << 16) | ((bytes[3] as number) << 8) | (bytes[4] as number));
  const low =
    (bytes[5] as number) * 0x1000000 +
    (((bytes[6] as number) << 16) | ((bytes[7] as number) << 8) | (bytes[8] as number));
  // The same rounding as Number(BigInt) for expiries beyond 2^53 (which no validated write produces).
  const expiry = high * TWO_TO_32 + low;
  return expiry === 0 ? undefined : expiry;
}

function notAFrame(source: string): IntegrityError {
  return new IntegrityError(
    'a stored record is not in the oauth-store record frame (format 2): it was written by oauth-store 0.1 or by another program. Copy old data with `oauth-store migrate`, or delete the record.',
    { source },
  );
}

/** Decodes a frame read from a backend. A record that is not a frame is an {@link IntegrityError}. */
export function decodeFrame(bytes: Uint8Array, source: string): DecodedFrame {
  const expiresAt = frameExpiry(bytes, source);
  const view = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return {
    expiresAt,
    versionBytes: view.subarray(FRAME_VERSION_OFFSET, FRAME_HEADER_BYTES),
    value: view.subarray(FRAME_HEADER_BYTES),
  };
}

/** The version bytes of a frame as the string users see (base64url, 22 characters). */
export function versionToString(versionBytes: Uint8Array): string {
  return Buffer.from(versionBytes.buffer, versionBytes.byteOffset, versionBytes.byteLength).toString('base64url');
}

/** Parses a version string; undefined when it cannot be a version this runtime wrote. */
export function versionFromString(version: string): Buffer | undefined {
  if (typeof version !== 'string' || version.length !== VERSION_STRING_LENGTH || !/^[A-Za-z0-9_-]+$/.test(version)) {
    return undefined;
  }
  const bytes = Buffer.from(version, 'base64url');
  return bytes.byteLength === FRAME_VERSION_BYTES ? bytes : undefined;
}

/** True when two version byte strings are equal. */
export function sameVersion(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false;
  for (let i = 0; i < a.byteLength; i++) if (a[i] !== b[i]) return false;
  return true;
}
