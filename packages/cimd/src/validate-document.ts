import { describeIssues, type OAuthClientInformationFull, OAuthClientInformationFullSchema } from '@oauth-store/core';
import { CimdResolutionError } from './errors';

/** Authentication methods that rely on a shared secret: a document anyone can read cannot carry one. */
const SHARED_SECRET_METHODS = new Set(['client_secret_basic', 'client_secret_post', 'client_secret_jwt']);

/**
 * Validates a parsed metadata document per draft-ietf-oauth-client-id-metadata-document-00: `client_id` equal to the
 * URL it was fetched from, byte for byte (no normalization: a document for another URL is not this client's);
 * non-empty `redirect_uris`; no `client_secret` and no shared-secret `token_endpoint_auth_method`; then the RFC 7591
 * client schema core uses for registered clients (the same one the MCP SDK applies). Returns the client as the SDK
 * types it; `token_endpoint_auth_method` defaults to `none` (a public client).
 */
export function validateDocument(document: unknown, clientId: string): OAuthClientInformationFull {
  if (document === null || typeof document !== 'object' || Array.isArray(document)) {
    throw new CimdResolutionError('invalid_json', 'the client metadata document is not a JSON object.');
  }
  const fields = document as Record<string, unknown>;
  if (fields.client_id !== clientId) {
    throw new CimdResolutionError(
      'client_id_mismatch',
      'the client metadata document does not name its own URL as client_id (they must be equal byte for byte).',
    );
  }
  const redirectUris = fields.redirect_uris;
  if (!Array.isArray(redirectUris) || redirectUris.length === 0) {
    throw new CimdResolutionError('missing_redirect_uris', 'the client metadata document has no redirect_uris.');
  }
  const method = fields.token_endpoint_auth_method;
  if (
    'client_secret' in fields ||
    'client_secret_expires_at' in fields ||
    (typeof method === 'string' && SHARED_SECRET_METHODS.has(method))
  ) {
    throw new CimdResolutionError(
      'shared_secret_auth',
      'the client metadata document uses a shared secret (client_secret or a client_secret_* auth method); use none or private_key_jwt.',
    );
  }
  const parsed = OAuthClientInformationFullSchema.safeParse({ token_endpoint_auth_method: 'none', ...fields });
  if (!parsed.success) {
    throw new CimdResolutionError(
      'invalid_metadata',
      `the client metadata document is not valid client metadata: ${describeIssues(parsed.error)}.`,
    );
  }
  return parsed.data;
}
