import { ErrorCode, isOAuthStoreError, OAuthStoreError } from '@oauth-store/core';

/**
 * Why a client metadata document was not accepted. Bridges map every reason to OAuth `invalid_client`; operators
 * branch on it in metrics and logs.
 */
export type CimdFailureReason =
  /** The client_id is not a URL a metadata document may live at (scheme, path, fragment, credentials, dot segments). */
  | 'invalid_client_id'
  /** The host resolved to an address the SSRF policy refuses (loopback, private, link-local, CGNAT, metadata...). */
  | 'refused_address'
  /** DNS failed or the connection was refused or reset. */
  | 'unreachable'
  /** The document did not arrive within the timeout. */
  | 'timeout'
  /** The server answered with a status other than 200 (or 304 to a revalidation). */
  | 'http_status'
  /** The server redirected, and redirects are off (or more than `maxRedirects` were needed). */
  | 'redirect'
  /** The document is larger than `maxDocumentBytes`. */
  | 'too_large'
  /** The response is not JSON (`application/json` or `+json`). */
  | 'content_type'
  /** The body is not a UTF-8 JSON object. */
  | 'invalid_json'
  /** The document's `client_id` is not the URL it was fetched from, byte for byte. */
  | 'client_id_mismatch'
  /** The document has no non-empty `redirect_uris`. */
  | 'missing_redirect_uris'
  /** The document asks for a shared-secret authentication method or carries a `client_secret`. */
  | 'shared_secret_auth'
  /** The document does not pass the RFC 7591 client schema. */
  | 'invalid_metadata';

/** Reasons that say the host is down or struggling, not that the document is wrong: a stale copy may be served. */
const TRANSIENT: ReadonlySet<CimdFailureReason> = new Set(['unreachable', 'timeout', 'http_status']);

/** True when a failure of this reason allows serving a stale document (stale-if-error). */
export function isTransientReason(reason: CimdFailureReason, status?: number): boolean {
  if (reason === 'http_status') return status === undefined || status >= 500 || status === 429;
  return TRANSIENT.has(reason);
}

const CIMD_ERROR_BRAND: unique symbol = Symbol.for('@oauth-store/cimd.error') as never;

/**
 * A client metadata document could not be resolved. `reason` says why; `description` is a short text safe to send to
 * the client as `error_description` (it names no address, header or document content). Host problems have code
 * `unavailable`, refused or invalid documents `invalid_value`.
 */
export class CimdResolutionError extends OAuthStoreError {
  /** Why the document was not accepted. */
  readonly reason: CimdFailureReason;
  /** HTTP status the document host answered with, for `http_status`. */
  readonly status: number | undefined;
  /** Text for the OAuth `error_description` of the `invalid_client` answer. */
  readonly description: string;
  /** True when this failure came from the negative cache rather than a fetch just now. */
  readonly cached: boolean;
  readonly [CIMD_ERROR_BRAND] = true as const;

  constructor(
    reason: CimdFailureReason,
    description: string,
    options: { status?: number; cached?: boolean; cause?: unknown } = {},
  ) {
    const transient = isTransientReason(reason, options.status);
    super(
      transient ? ErrorCode.Unavailable : ErrorCode.InvalidValue,
      `${description}${transient ? ' Retry later; the client host may be down.' : ' The client must fix its metadata document.'}`,
      { source: 'cimd', cause: options.cause },
    );
    this.reason = reason;
    this.status = options.status;
    this.description = description;
    this.cached = options.cached ?? false;
  }

  /** Brand check, so errors from another copy of this package match too. */
  static override [Symbol.hasInstance](value: unknown): boolean {
    return isOAuthStoreError(value) && (value as { [CIMD_ERROR_BRAND]?: unknown })[CIMD_ERROR_BRAND] === true;
  }
}

/** True when `error` is a {@link CimdResolutionError} (from any copy of this package). */
export function isCimdResolutionError(error: unknown): error is CimdResolutionError {
  return error instanceof CimdResolutionError;
}
