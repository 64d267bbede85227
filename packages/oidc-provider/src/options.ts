import { ConfigurationError } from '@oauth-store/core';

/** Options of {@link createOidcAdapter}. */
export interface OidcAdapterOptions {
  /**
   * Prefix of every collection name, so several providers (or other users) can share one store. Default `oidc:`.
   * Collections are `<prefix><Model>` (records), `<prefix><Model>:uid`, `<prefix><Model>:user-code` (lookups),
   * `<prefix><Model>:consumed` (consume claims, keyed by a random revision id) and `<prefix>grant:<grantId>`
   * (tokens per grant, keyed by a hash).
   */
  prefix?: string;
  /**
   * Seconds added to every record's lifetime, as oidc-provider's own memory adapter adds its `clockTolerance`: a
   * token that oidc-provider still accepts within its clock tolerance must still be stored. Default 0.
   */
  clockToleranceSeconds?: number;
}

/** {@link OidcAdapterOptions} after defaults and checks. */
export interface ResolvedOidcAdapterOptions {
  prefix: string;
  clockToleranceMs: number;
}

/** Default collection-name prefix. */
export const DEFAULT_OIDC_PREFIX = 'oidc:';

const SOURCE = 'oidc-provider';

/** Applies defaults; throws {@link ConfigurationError} saying what to fix. */
export function resolveOidcAdapterOptions(options: OidcAdapterOptions | undefined): ResolvedOidcAdapterOptions {
  if (options !== undefined && (options === null || typeof options !== 'object')) {
    throw new ConfigurationError('options must be an object ({ prefix?, clockToleranceSeconds? }).', {
      source: SOURCE,
    });
  }
  const prefix = options?.prefix ?? DEFAULT_OIDC_PREFIX;
  if (typeof prefix !== 'string' || prefix.length === 0) {
    throw new ConfigurationError('prefix must be a non-empty string, for example "oidc:".', { source: SOURCE });
  }
  const tolerance = options?.clockToleranceSeconds ?? 0;
  if (typeof tolerance !== 'number' || !Number.isFinite(tolerance) || tolerance < 0) {
    throw new ConfigurationError('clockToleranceSeconds must be a finite number of seconds >= 0.', { source: SOURCE });
  }
  return { prefix, clockToleranceMs: Math.ceil(tolerance * 1000) };
}
