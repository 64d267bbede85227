/**
 * The `error_description`s of the proxy's `invalid_grant` answers to refresh tokens, shared by the proxy (which runs in
 * the instances, with the MCP SDK) and the demo's probes (which run in the CLI process and must not load the SDK).
 */

/** A rotated-away refresh token was presented again: its family is revoked (RFC 9700 §4.14.2). */
export const REFRESH_REUSE_MESSAGE = 'Refresh token reuse: the token family is revoked';

/** A refresh token of a revoked family. */
export const REFRESH_REVOKED_MESSAGE = 'Refresh token revoked';
