import { InvalidValueError, MAX_RECORD_DEPTH } from '@oauth-store/core';

const SOURCE = 'oidc-provider';

/**
 * Turns an oidc-provider payload into what core's record codec stores, accepting whatever `JSON.stringify` accepts:
 * objects with `toJSON` (called with their key, as JSON.stringify does), class instances (their own enumerable
 * properties), boxed primitives; `undefined`, functions and symbols dropped from objects and `null` in arrays;
 * non-finite numbers become `null`. `Date` and `URL` are kept as such, so they come back as `Date` and `URL` (where
 * JSON.stringify would have flattened them to strings). What JSON.stringify refuses (BigInt, cycles) is refused with
 * an {@link InvalidValueError}, before anything is written.
 */
export function toStorablePayload(payload: object): Record<string, unknown> {
  return walk(payload, '', 'payload', 0, []) as Record<string, unknown>;
}

function walk(value: unknown, key: string, path: string, depth: number, ancestors: object[]): unknown {
  if (typeof value === 'bigint') {
    throw new InvalidValueError(`${path} is a BigInt, which JSON cannot hold; store it as a string.`, {
      source: SOURCE,
    });
  }
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (value === null || typeof value !== 'object') return value;
  if (value instanceof Date || value instanceof URL) return value;
  let current: unknown = value;
  if (typeof (value as { toJSON?: unknown }).toJSON === 'function') {
    current = (value as { toJSON(key: string): unknown }).toJSON(key);
    if (current === null || typeof current !== 'object') return walk(current, key, path, depth, ancestors);
    if (current instanceof Date || current instanceof URL) return current;
  }
  if (current instanceof Number || current instanceof String || current instanceof Boolean) {
    return walk(current.valueOf(), key, path, depth, ancestors);
  }
  const object = current as object;
  if (depth >= MAX_RECORD_DEPTH) {
    throw new InvalidValueError(`${path} is nested deeper than ${MAX_RECORD_DEPTH} levels.`, { source: SOURCE });
  }
  if (ancestors.includes(object)) {
    throw new InvalidValueError(`${path} refers back to itself (a circular value).`, { source: SOURCE });
  }
  ancestors.push(object);
  try {
    if (Array.isArray(object)) {
      return object.map((item, index) => {
        const out = walk(item, String(index), `${path}[${index}]`, depth + 1, ancestors);
        return out === undefined || typeof out === 'function' || typeof out === 'symbol' ? null : out;
      });
    }
    const result: Record<string, unknown> = {};
    for (const [name, item] of Object.entries(object)) {
      const out = walk(item, name, `${path}.${name}`, depth + 1, ancestors);
      if (out === undefined || typeof out === 'function' || typeof out === 'symbol') continue;
      // A data property, so a "__proto__" key is data (core's codec then refuses it with a typed error).
      Object.defineProperty(result, name, { value: out, writable: true, enumerable: true, configurable: true });
    }
    return result;
  } finally {
    ancestors.pop();
  }
}
