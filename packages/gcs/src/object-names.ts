import { ConfigurationError, utf8Length } from '@oauth-store/core';
import { SOURCE } from './errors';

/** Cloud Storage's limit on an object name: 1024 bytes of UTF-8. */
export const MAX_OBJECT_NAME_BYTES = 1024;
/** Longest accepted `prefix`, in UTF-8 bytes; chosen so that keys of at least 512 bytes always fit. */
export const MAX_PREFIX_BYTES = 128;
/** Longest collection name, in UTF-8 bytes. */
export const MAX_COLLECTION_BYTES = 128;
/** The prefix used when none is given. */
export const DEFAULT_PREFIX = 'oauth-store/';

/** Length of unpadded base64url text for `bytes` bytes. */
function base64urlLength(bytes: number): number {
  return Math.ceil((bytes * 4) / 3);
}

/**
 * The longest key (UTF-8 bytes) whose object name still fits in 1024 bytes under this prefix, with a collection
 * of the maximum length: `prefix + base64url(collection) + "/" + base64url(key)`. base64url is ASCII, so its
 * characters are bytes. With the longest prefix (128 bytes) this is 543; with the default prefix, 630.
 */
export function maxKeyBytesFor(prefix: string): number {
  const budget = MAX_OBJECT_NAME_BYTES - utf8Length(prefix) - base64urlLength(MAX_COLLECTION_BYTES) - 1;
  // The largest n with ceil(4n/3) <= budget.
  return Math.floor((budget * 3) / 4);
}

/**
 * Checks a user-supplied prefix against Cloud Storage's naming rules and this adapter's layout. It must be empty or
 * end with "/": then the names of two stores with different prefixes can never coincide (they differ in a path
 * segment or in the number of segments), whatever their collections and keys.
 */
export function assertValidPrefix(prefix: unknown): asserts prefix is string {
  const fail = (what: string) => {
    throw new ConfigurationError(`prefix ${what}.`, { source: SOURCE });
  };
  if (typeof prefix !== 'string') return fail('must be a string');
  if (prefix !== '' && !prefix.endsWith('/')) fail('must be empty or end with "/" (for example "oauth-store/")');
  if (utf8Length(prefix) > MAX_PREFIX_BYTES) fail(`must be at most ${MAX_PREFIX_BYTES} UTF-8 bytes`);
  if (!prefix.isWellFormed()) fail('must be well-formed Unicode');
  // GCS forbids CR/LF in names and discourages other control characters and the wildcard characters #[]*?.
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point.
  if (/[\u0000-\u001f\u007f#[\]*?]/.test(prefix)) fail('must not contain control characters or any of # [ ] * ?');
  if (prefix.startsWith('/')) fail('must not start with "/"');
  if (prefix.startsWith('.well-known/acme-challenge/')) fail('must not start with ".well-known/acme-challenge/"');
  if (prefix.split('/').some((segment) => segment === '.' || segment === '..')) {
    fail('must not contain "." or ".." path segments');
  }
}

function encode(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64url');
}

/**
 * The object-name prefix of one collection: `prefix + base64url(collection) + "/"`. base64url never produces "/",
 * so listing this prefix (with delimiter "/") can match no other collection's objects.
 */
export function collectionPrefix(prefix: string, collection: string): string {
  return `${prefix}${encode(collection)}/`;
}

/**
 * The object name of an entry. base64url makes every collection and key a valid, injective object name made of
 * `A-Z a-z 0-9 - _` only: no CR/LF, no "." or "..", none of the discouraged characters, whatever the key holds.
 */
export function objectName(prefix: string, collection: string, key: string): string {
  return collectionPrefix(prefix, collection) + encode(key);
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * The key encoded in the last segment of an object name, or undefined when the segment is not a canonical
 * base64url encoding of UTF-8 (an object this adapter did not write).
 */
export function decodeKey(segment: string): string | undefined {
  if (segment.length === 0 || !/^[A-Za-z0-9_-]+$/.test(segment)) return undefined;
  const bytes = Buffer.from(segment, 'base64url');
  if (bytes.toString('base64url') !== segment) return undefined;
  try {
    return strictUtf8.decode(bytes);
  } catch {
    return undefined;
  }
}
