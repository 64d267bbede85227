import { IntegrityError } from '@oauth-store/core';

/**
 * What is stored under one better-auth key: a string written by `set` (tag `s`), or a counter's anchor (tag `c`)
 * naming the counter's current window. One tag byte, then the body.
 */
export type Entry = { kind: 'string'; value: string } | { kind: 'counter'; window: string; slotTtlMs?: number };

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });
const STRING = 0x73; // 's'
const COUNTER = 0x63; // 'c'

/** Encodes an entry. */
export function encodeEntry(entry: Entry): Uint8Array {
  const body =
    entry.kind === 'string'
      ? entry.value
      : JSON.stringify({ w: entry.window, ...(entry.slotTtlMs === undefined ? {} : { t: entry.slotTtlMs }) });
  const bytes = encoder.encode(body);
  const out = new Uint8Array(bytes.byteLength + 1);
  out[0] = entry.kind === 'string' ? STRING : COUNTER;
  out.set(bytes, 1);
  return out;
}

/** Decodes an entry; anything this package did not write is an {@link IntegrityError}. */
export function decodeEntry(bytes: Uint8Array): Entry {
  try {
    const body = decoder.decode(bytes.subarray(1));
    if (bytes[0] === STRING) return { kind: 'string', value: body };
    if (bytes[0] === COUNTER) {
      const parsed = JSON.parse(body) as { w?: unknown; t?: unknown };
      if (typeof parsed.w === 'string' && (parsed.t === undefined || typeof parsed.t === 'number')) {
        return { kind: 'counter', window: parsed.w, ...(parsed.t === undefined ? {} : { slotTtlMs: parsed.t }) };
      }
    }
  } catch {
    // Reported below without the bytes.
  }
  throw new IntegrityError('a stored better-auth entry has an unexpected format; it was not written by this package.', {
    source: 'better-auth',
  });
}
