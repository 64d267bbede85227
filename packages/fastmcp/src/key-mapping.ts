import { ConfigurationError } from '@oauth-store/core';

/** Where one fastmcp key is stored. */
export interface StoreAddress {
  /** Collection in the ByteStore. */
  collection: string;
  /** Key within that collection. */
  key: string;
}

// A prefix is what fastmcp puts before the first ':' (client, code, transaction, upstream, mapping). It may not contain
// '_' so that the collection for keys without a prefix (which contains '_') can never equal a prefix's collection.
const PREFIXED = /^([a-z][a-z0-9-]{0,31}):([\s\S]+)$/;

/** Suffix of the collection holding keys with no recognisable prefix. */
export const UNPREFIXED_SUFFIX = '_other';

/** The collections fastmcp 4.20's OAuth proxy writes, by key prefix. */
export const FASTMCP_KEY_PREFIXES = ['client', 'code', 'transaction', 'upstream', 'mapping'] as const;

/** Checks a collection prefix: empty, or up to 32 of `a-z 0-9 - . /` ending in a separator. */
export function checkCollectionPrefix(prefix: string): string {
  if (typeof prefix !== 'string' || !/^(?:[a-z0-9][a-z0-9./-]{0,30}[-./])?$/.test(prefix)) {
    throw new ConfigurationError(
      '`collectionPrefix` must be empty or up to 32 characters of a-z, 0-9, "-", "." and "/", ending in "-", "." or "/" (for example "fastmcp-").',
      { source: 'fastmcp' },
    );
  }
  return prefix;
}

/**
 * Maps a fastmcp key to a collection and key: `client:abc` is key `abc` in collection `<prefix>client`, and so on for
 * every prefix before the first ':'; any other key is kept whole in `<prefix>_other`. The mapping is one-to-one, so
 * two fastmcp keys never share an address.
 */
export function addressOf(collectionPrefix: string, key: string): StoreAddress {
  const match = PREFIXED.exec(key);
  if (match?.[1] && match[2]) return { collection: `${collectionPrefix}${match[1]}`, key: match[2] };
  return { collection: `${collectionPrefix}${UNPREFIXED_SUFFIX}`, key };
}
