import { decodeRecord, encodeRecord, IntegrityError } from '@oauth-store/core';

/**
 * How {@link KeyvOAuthStore} stores what Keyv hands it. Keyv normally passes its serialized string; with
 * `serialization: false` it passes the `{ value, expires }` object itself. One tag byte, then the string's UTF-8
 * (tag `s`) or the object as JSON through core's record codec (tag `j`, which also keeps `Date` and `URL`).
 */
const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });
const STRING = 0x73;
const JSON_VALUE = 0x6a;

/** Encodes a value Keyv passed to `set`. */
export function encodeAdapterValue(value: unknown): Uint8Array {
  const body = typeof value === 'string' ? encoder.encode(value) : encodeRecord(value);
  const out = new Uint8Array(body.byteLength + 1);
  out[0] = typeof value === 'string' ? STRING : JSON_VALUE;
  out.set(body, 1);
  return out;
}

/** Decodes what {@link encodeAdapterValue} wrote. */
export function decodeAdapterValue(bytes: Uint8Array): unknown {
  if (bytes[0] === STRING) {
    try {
      return decoder.decode(bytes.subarray(1));
    } catch (cause) {
      throw new IntegrityError('a stored Keyv value is not valid UTF-8.', { source: 'keyv', cause });
    }
  }
  if (bytes[0] === JSON_VALUE) return decodeRecord(bytes.subarray(1));
  throw new IntegrityError('a stored Keyv value has an unknown format; it was not written by KeyvOAuthStore.', {
    source: 'keyv',
  });
}
