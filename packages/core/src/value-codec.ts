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

/**
 * Deepest nesting a record may have. OAuth records are a few levels deep (a client's `jwks` is about five); the bound
 * keeps a hostile 20,000-deep value from overflowing the stack of this recursive codec (a RangeError would escape the
 * typed errors) on write, and on read of a planted record.
 */
export const MAX_RECORD_DEPTH = 64;

/** A key that would set the prototype of the decoded object instead of holding data; refused both ways. */
const PROTO_KEY = '__proto__';

function defineEntry(target: Record<string, unknown>, key: string, value: unknown): void {
  // Plain assignment would invoke a setter for special names; a data property never does.
  Object.defineProperty(target, key, { value, writable: true, enumerable: true, configurable: true });
}

function toTagged(value: unknown, path: string, depth = 0, ancestors: object[] = []): unknown {
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
  if (typeof value === 'object' && (Array.isArray(value) || isPlainObject(value))) {
    if (depth >= MAX_RECORD_DEPTH) {
      throw new InvalidValueError(
        `${path} is nested deeper than ${MAX_RECORD_DEPTH} levels; records are not that deep.`,
      );
    }
    if (ancestors.includes(value)) throw new InvalidValueError(`${path} refers back to itself (a circular value).`);
    ancestors.push(value);
    try {
      if (Array.isArray(value)) {
        return value.map((item, index) => toTagged(item, `${path}[${index}]`, depth + 1, ancestors));
      }
      const out: Record<string, unknown> = {};
      for (const [key, item] of Object.entries(value)) {
        if (key === PROTO_KEY) {
          throw new InvalidValueError(
            `${path} has a "__proto__" key, which records refuse (it would set a prototype).`,
          );
        }
        if (item !== undefined) defineEntry(out, key, toTagged(item, `${path}.${key}`, depth + 1, ancestors));
      }
      return Object.hasOwn(out, TAG) ? { [TAG]: 'Object', value: out } : out;
    } finally {
      ancestors.pop();
    }
  }
  const kind = typeof value === 'object' ? (value.constructor?.name ?? 'object') : typeof value;
  throw new InvalidValueError(`${path} is a ${kind}; records hold JSON values, Date and URL only.`);
}

function isPlainObject(value: object): boolean {
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function fromTagged(value: unknown, depth = 0): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (depth >= MAX_RECORD_DEPTH) {
    throw new IntegrityError(
      `a stored record is nested deeper than ${MAX_RECORD_DEPTH} levels; it was not written here.`,
    );
  }
  if (Array.isArray(value)) return value.map((item) => fromTagged(item, depth + 1));
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
        if (inner && typeof inner === 'object' && !Array.isArray(inner)) return decodeEntries(inner, depth + 1);
        break;
    }
    throw new IntegrityError('a stored record has a malformed tagged value; it was not written by oauth-store.');
  }
  return decodeEntries(record, depth);
}

function decodeEntries(record: object, depth: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(record)) {
    if (key === PROTO_KEY) {
      throw new IntegrityError(
        'a stored record has a "__proto__" key, which oauth-store never writes; it was planted.',
      );
    }
    defineEntry(out, key, fromTagged(item, depth + 1));
  }
  return out;
}

/**
 * Encodes a record (JSON plus Date and URL) to UTF-8 bytes. Throws {@link InvalidValueError} for anything else,
 * including circular values, nesting deeper than {@link MAX_RECORD_DEPTH} and `__proto__` keys.
 */
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
