import { ConflictError } from '@oauth-store/core';

/**
 * `consume` refused: the record was already consumed (by a concurrent request, possibly on another instance) or no
 * longer exists (expired, revoked or destroyed since oidc-provider read it).
 *
 * oidc-provider checks `consumed` after reading a code or refresh token and only then calls `consume`, so two
 * requests redeeming the same code at the same moment both pass that check. This error stops the second one before
 * any token is issued. It has the shape oidc-provider's own `InvalidGrant` has (`message` `invalid_grant`,
 * `statusCode` 400, `expose`), so the token endpoint answers `400 {"error":"invalid_grant"}` rather than a server
 * error; the reason is in `error_detail`, which oidc-provider logs but never sends.
 */
export class ConsumeRefusedError extends ConflictError {
  /** oidc-provider sends the error to the client (a 4xx). */
  readonly expose = true;
  /** HTTP status oidc-provider answers with. */
  readonly status = 400;
  /** HTTP status oidc-provider answers with. */
  readonly statusCode = 400;
  /** The OAuth error code. */
  readonly error = 'invalid_grant';
  /** Sent to the client, the same text as oidc-provider's InvalidGrant. */
  readonly error_description = 'grant request is invalid';
  /** Why, for logs; never sent to the client and never names the token. */
  readonly error_detail: string;
  /** Whether the record was consumed already (true) or is gone (false). */
  readonly alreadyConsumed: boolean;

  constructor(model: string, alreadyConsumed: boolean) {
    // No `source`: oidc-provider uses `message` as the OAuth error code of exposed errors.
    super('invalid_grant');
    this.alreadyConsumed = alreadyConsumed;
    this.error_detail = alreadyConsumed
      ? `${model} was already consumed (another request redeemed it first)`
      : `${model} no longer exists (expired, revoked or destroyed before it could be consumed)`;
  }
}
