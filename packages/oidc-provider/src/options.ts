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
  /**
   * Seconds an expired DeviceCode, BackchannelAuthenticationRequest (CIBA) or PreAuthorizedCode stays findable after
   * its expiry, so a client polling after expiry gets `expired_token` (RFC 8628 §3.5) instead of `invalid_grant`, as
   * with oidc-provider's own adapter. oidc-provider reads `exp` from the payload and never accepts the expired record
   * for anything else. 0 removes them at expiry. Default 600 (10 minutes).
   */
  expiredRetentionSeconds?: number;
  /**
   * When a `consume` loses to a concurrent one (two requests redeemed the same refresh token or code at once), revoke
   * the record's grant: every token of it and the Grant itself, as oidc-provider does when it sees a reused refresh
   * token or code (RFC 9700 §4.14.2, RFC 6749 §4.1.2). oidc-provider cannot do it itself in that race, because it read
   * the record before the winner consumed it. Default true.
   */
  revokeGrantOnReuse?: boolean;
}

/** {@link OidcAdapterOptions} after defaults and checks. */
export interface ResolvedOidcAdapterOptions {
  prefix: string;
  clockToleranceMs: number;
  expiredRetentionMs: number;
  revokeGrantOnReuse: boolean;
}

/** Default collection-name prefix. */
export const DEFAULT_OIDC_PREFIX = 'oidc:';

const SOURCE = 'oidc-provider';

/** Applies defaults; throws {@link ConfigurationError} saying what to fix. */
export function resolveOidcAdapterOptions(options: OidcAdapterOptions | undefined): ResolvedOidcAdapterOptions {
  if (options !== undefined && (options === null || typeof options !== 'object')) {
    throw new ConfigurationError(
      'options must be an object ({ prefix?, clockToleranceSeconds?, expiredRetentionSeconds?, revokeGrantOnReuse? }).',
      {
        source: SOURCE,
      },
    );
  }
  const prefix = options?.prefix ?? DEFAULT_OIDC_PREFIX;
  if (typeof prefix !== 'string' || prefix.length === 0) {
    throw new ConfigurationError('prefix must be a non-empty string, for example "oidc:".', { source: SOURCE });
  }
  const tolerance = options?.clockToleranceSeconds ?? 0;
  if (typeof tolerance !== 'number' || !Number.isFinite(tolerance) || tolerance < 0) {
    throw new ConfigurationError('clockToleranceSeconds must be a finite number of seconds >= 0.', { source: SOURCE });
  }
  const retention = options?.expiredRetentionSeconds ?? 600;
  if (typeof retention !== 'number' || !Number.isFinite(retention) || retention < 0 || retention > 86_400) {
    throw new ConfigurationError('expiredRetentionSeconds must be a number of seconds from 0 to 86400.', {
      source: SOURCE,
    });
  }
  const revokeGrantOnReuse = options?.revokeGrantOnReuse ?? true;
  if (typeof revokeGrantOnReuse !== 'boolean') {
    throw new ConfigurationError('revokeGrantOnReuse must be true or false.', { source: SOURCE });
  }
  return {
    prefix,
    clockToleranceMs: Math.ceil(tolerance * 1000),
    expiredRetentionMs: Math.ceil(retention * 1000),
    revokeGrantOnReuse,
  };
}
