import {
  ConfigurationError,
  ConflictError,
  IntegrityError,
  type OAuthStoreError,
  StoreUnavailableError,
} from '@oauth-store/core';

/** The source name every error of this adapter carries. */
export const SOURCE = 'gcs';

/** The HTTP status of an SDK error: `code` on the SDK's ApiError, `response.status` on gaxios errors. */
export function httpStatusOf(error: unknown): number | undefined {
  if (!error || typeof error !== 'object') return undefined;
  const { code, status, response } = error as { code?: unknown; status?: unknown; response?: { status?: unknown } };
  for (const candidate of [code, status, response?.status]) {
    if (typeof candidate === 'number' && candidate >= 100 && candidate < 600) return candidate;
  }
  return undefined;
}

/** True for "the object does not exist" (404). */
export function isNotFound(error: unknown): boolean {
  return httpStatusOf(error) === 404;
}

/** True for a failed generation precondition (412 conditionNotMet): another writer got there first. */
export function isPreconditionFailed(error: unknown): boolean {
  return httpStatusOf(error) === 412;
}

/** Node.js error codes for a request that never left this machine (no connection was made). */
const NOT_SENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

/**
 * True when `error` proves the request was not applied: Cloud Storage refused it for rate (429), or no connection was
 * made. Anything else after the request was sent (a reset, a timeout, a 5xx) leaves its outcome unknown.
 */
export function provesNotApplied(error: unknown): boolean {
  if (httpStatusOf(error) === 429) return true;
  for (let current = error, depth = 0; current && typeof current === 'object' && depth < 5; depth++) {
    const { code, cause } = current as { code?: unknown; cause?: unknown };
    if (typeof code === 'string' && NOT_SENT_CODES.has(code)) return true;
    current = cause;
  }
  return false;
}

/** The SDK's `code` for a download whose bytes do not match the server's `x-goog-hash`. */
const DOWNLOAD_MISMATCH = 'CONTENT_DOWNLOAD_MISMATCH';

/**
 * A value-free stand-in for an SDK error, kept as `cause`: the SDK's messages quote object names, and object names
 * are encoded keys (authorization codes, tokens), so neither the message nor the original error is kept.
 */
function sanitizedCause(error: unknown): Error {
  const status = httpStatusOf(error);
  const { code, name, errors } = (error ?? {}) as { code?: unknown; name?: unknown; errors?: unknown };
  const reason = Array.isArray(errors) ? (errors[0] as { reason?: unknown } | undefined)?.reason : undefined;
  const parts = [typeof name === 'string' ? name : 'Error'];
  if (status !== undefined) parts.push(String(status));
  else if (typeof code === 'string') parts.push(code);
  if (typeof reason === 'string') parts.push(reason);
  const cause = new Error(`GCS ${parts.join(' ')}`);
  cause.name = 'GcsError';
  return cause;
}

function describe(error: unknown): string {
  return sanitizedCause(error).message;
}

/**
 * Turns an SDK error that the adapter did not handle itself into a typed one. 404 and 412 on objects are handled
 * where they mean "absent" or "lost the race"; a 404 reaching this point means the bucket is missing.
 */
export function mapGcsError(error: unknown, operation: string, bucket: string): OAuthStoreError {
  const status = httpStatusOf(error);
  const what = describe(error);
  const cause = sanitizedCause(error);
  if (status === 401 || status === 403) {
    return new ConfigurationError(
      `${operation} failed (${what}): Cloud Storage refused the credentials. Grant storage.objects.create, .get, .delete and .list on bucket "${bucket}" (for example roles/storage.objectUser).`,
      { source: SOURCE, cause },
    );
  }
  if (status === 404) {
    return new ConfigurationError(
      `${operation} failed (${what}): bucket "${bucket}" was not found. Create it, or fix the bucket name or the API endpoint.`,
      { source: SOURCE, cause },
    );
  }
  if (status === 412) {
    return new ConflictError(`${operation} lost a race with another writer (${what}); retry it.`, {
      source: SOURCE,
      cause,
    });
  }
  if (status === 400) {
    return new ConfigurationError(
      `${operation} failed (${what}): Cloud Storage rejected the request as invalid. Check the bucket name, the prefix and the API endpoint.`,
      { source: SOURCE, cause },
    );
  }
  if ((error as { code?: unknown } | null)?.code === DOWNLOAD_MISMATCH) {
    return new IntegrityError(
      `${operation} failed: the downloaded bytes did not match the checksum Cloud Storage reported (corrupted in transit or in storage). Retry; if it persists, the object is damaged.`,
      { source: SOURCE, cause },
    );
  }
  // 408, 429, 5xx, timeouts and network errors: Cloud Storage may answer later.
  return new StoreUnavailableError(
    `${operation} failed (${what}). Cloud Storage was unreachable, throttled or too slow.`,
    { source: SOURCE, cause },
  );
}
