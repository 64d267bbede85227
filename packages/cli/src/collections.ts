import { DEFAULT_TRANSACTION_TTLS } from '@oauth-store/core';

/**
 * The collections `ClientStore` and `TransactionStore` use with their default names and prefix. The storage contract
 * has no "list collections", so commands that walk a store (migrate, inspect, rewrap) take `--collections` and fall
 * back to these.
 */
export const DEFAULT_COLLECTIONS: readonly string[] = [
  'oauth-clients',
  'oauth-transactions',
  'oauth-consent-tokens',
  'oauth-codes',
  'oauth-code-tombstones',
  'oauth-upstream-tokens',
  'oauth-token-mappings',
  'oauth-refresh-tokens',
];

/**
 * The TTL (ms) a record of each default collection gets when written by `TransactionStore` with default options: the
 * longest it can have left. `migrate` applies it to records whose remaining TTL it cannot read. Clients never expire.
 */
export const DEFAULT_COLLECTION_TTLS: Readonly<Record<string, number | undefined>> = {
  'oauth-clients': undefined,
  'oauth-transactions': DEFAULT_TRANSACTION_TTLS.transactions,
  'oauth-consent-tokens': DEFAULT_TRANSACTION_TTLS.consentTokens,
  'oauth-codes': DEFAULT_TRANSACTION_TTLS.authorizationCodes,
  'oauth-code-tombstones': DEFAULT_TRANSACTION_TTLS.authorizationCodes,
  'oauth-upstream-tokens': DEFAULT_TRANSACTION_TTLS.upstreamTokens,
  'oauth-token-mappings': DEFAULT_TRANSACTION_TTLS.tokenMappings,
  'oauth-refresh-tokens': DEFAULT_TRANSACTION_TTLS.refreshTokens,
};

/** Parses a `--collections a,b,c` value; absent gives {@link DEFAULT_COLLECTIONS}. */
export function collectionList(value: string | undefined): string[] {
  if (value === undefined) return [...DEFAULT_COLLECTIONS];
  return [
    ...new Set(
      value
        .split(',')
        .map((name) => name.trim())
        .filter(Boolean),
    ),
  ];
}
