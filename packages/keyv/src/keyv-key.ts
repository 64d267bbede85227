/**
 * How {@link keyvByteStore} names (collection, key) in a Keyv: `oauth-store:<collection length>:<collection>:<key>`.
 * The length makes the mapping injective whatever characters either part holds; the marker lets `list` skip other
 * keys in the same Keyv namespace.
 */
export const KEY_MARKER = 'oauth-store';

/** The Keyv key of (collection, key). */
export function toKeyvKey(collection: string, key: string): string {
  return `${KEY_MARKER}:${collection.length}:${collection}:${key}`;
}

/**
 * The (collection, key) of a Keyv key, or undefined for keys this package did not write. Keyv 5's iterator strips
 * everything up to the first `:` (meant to be its namespace) even without a namespace, so a key that lost the
 * marker that way is accepted too.
 */
export function fromKeyvKey(keyvKey: string): { collection: string; key: string } | undefined {
  const rest = keyvKey.startsWith(`${KEY_MARKER}:`) ? keyvKey.slice(KEY_MARKER.length + 1) : keyvKey;
  const colon = rest.indexOf(':');
  if (colon <= 0) return undefined;
  const digits = rest.slice(0, colon);
  if (!/^[1-9][0-9]*$/.test(digits)) return undefined;
  const length = Number(digits);
  const start = colon + 1;
  if (rest.length < start + length + 1 || rest[start + length] !== ':') return undefined;
  return { collection: rest.slice(start, start + length), key: rest.slice(start + length + 1) };
}
