import { IntegrityError, InvalidValueError } from './errors';

/**
 * JSON encoding for typed records that round-trips `Date` and `URL` (fastmcp's records carry Dates; the MCP SDK
 * passes `resource` as a URL). Written by hand rather than with superjson/devalue because both are ESM-only and we
 * ship CJS too, and the whole job is about forty lines: tagged objects `{ "$type": "Date", "value": ISO }`, with any
 * user object that itself has a `$type` key wrapped as `{ "$type": "Object", "value": {...} }` so nothing collides.
 */

const TAG = '$type';
const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

/** Values {@link encodeRecord} accepts: JSON plus Date and URL, nested anywhere. */
export type RecordValue =
  | string
  | number
  | boolean
  | null
  | Date
  | URL
  | readonly RecordValue[]
  | { readonly [key: string]: RecordValue | undefined };

function toTagged(value: unknown, path: string): unknown {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new InvalidValueError(`${path} is ${value}, which JSON cannot hold.`);
    return value;
  }
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) throw new InvalidValueError(`${path} is an invalid Date.`);
    return { [TAG]: 'Date', value: value.toISOString() };
  }
  if (value instanceof URL) return { [TAG]: 'URL', value: value.href };
  if (Array.isArray(value)) return value.map((item, index) => toTagged(item, `${path}[${index}]`));
  if (typeof value === 'object' && isPlainObject(value)) {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      if (item !== undefined) out[key] = toTagged(item, `${path}.${key}`);
    }
    return Object.hasOwn(out, TAG) ? { [TAG]: 'Object', value: out } : out;
  }
  const kind = typeof value === 'object' ? (value.constructor?.name ?? 'object') : typeof value;
  throw new InvalidValueError(`${path} is a ${kind}; records hold JSON values, Date and URL only.`);
}

function isPlainObject(value: object): boolean {
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function fromTagged(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(fromTagged);
  if (value === null || typeof value !== 'object') return value;
  const record = value as Record<string, unknown>;
  if (Object.hasOwn(record, TAG)) {
    const inner = record.value;
    switch (record[TAG]) {
      case 'Date':
        if (typeof inner === 'string') return new Date(inner);
        break;
      case 'URL':
        if (typeof inner === 'string') return new URL(inner);
        break;
      case 'Object':
        if (inner && typeof inner === 'object' && !Array.isArray(inner)) return decodeEntries(inner);
        break;
    }
    throw new IntegrityError('a stored record has a malformed tagged value; it was not written by oauth-store.');
  }
  return decodeEntries(record);
}

function decodeEntries(record: object): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(record)) out[key] = fromTagged(item);
  return out;
}

/** Encodes a record (JSON plus Date and URL) to UTF-8 bytes. Throws {@link InvalidValueError} for anything else. */
export function encodeRecord(value: unknown): Uint8Array {
  return encoder.encode(JSON.stringify(toTagged(value, 'value')));
}

/** Decodes bytes written by {@link encodeRecord}. Throws {@link IntegrityError} when they are not such a record. */
export function decodeRecord(bytes: Uint8Array): unknown {
  let text: string;
  let parsed: unknown;
  try {
    text = decoder.decode(bytes);
    parsed = JSON.parse(text);
  } catch (cause) {
    throw new IntegrityError('a stored record is not valid UTF-8 JSON; it is corrupted or was not written here.', {
      cause,
    });
  }
  return fromTagged(parsed);
}
