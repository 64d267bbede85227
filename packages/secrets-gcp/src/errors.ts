import { ConfigurationError, type OAuthStoreError, StoreUnavailableError } from '@oauth-store/core';

/** Prefix of every error this package raises. */
export const SOURCE = 'secrets-gcp';

/** A configuration error from this package. */
export function configurationError(message: string, cause?: unknown): ConfigurationError {
  return new ConfigurationError(message, { source: SOURCE, cause });
}

/** gRPC status codes this package tells apart (from the gRPC spec; stable numbers). */
const Status = {
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  PERMISSION_DENIED: 7,
  FAILED_PRECONDITION: 9,
  UNAUTHENTICATED: 16,
} as const;

/** What was being done when a call failed, so the message names the right permission. */
export type GcpCall = 'access' | 'list';

/**
 * Maps a Secret Manager client error to a typed error naming the resource and the fix. The service's own message is
 * not copied (it stays on `cause`).
 */
export function mapGcpError(error: unknown, resource: string, call: GcpCall): OAuthStoreError {
  const code = (error as { code?: unknown } | null)?.code;
  const role =
    call === 'access'
      ? 'roles/secretmanager.secretAccessor (permission secretmanager.versions.access)'
      : 'a role with secretmanager.versions.list, for example roles/secretmanager.viewer, or use previousVersionLookup "sequential"';
  switch (code) {
    case Status.NOT_FOUND:
      return configurationError(
        `${resource} was not found. Check the project and secret id, or create it: gcloud secrets create SECRET_ID --project PROJECT && openssl rand -base64 32 | tr -d '\\n' | gcloud secrets versions add SECRET_ID --project PROJECT --data-file=-`,
        error,
      );
    case Status.PERMISSION_DENIED:
      return configurationError(
        `permission denied on ${resource}. Grant the service account ${role} on the secret (or the project).`,
        error,
      );
    case Status.UNAUTHENTICATED:
      return configurationError(
        `Secret Manager rejected the credentials used for ${resource}. Check Application Default Credentials (GOOGLE_APPLICATION_CREDENTIALS, workload identity).`,
        error,
      );
    case Status.FAILED_PRECONDITION:
      return configurationError(
        `${resource} is disabled or destroyed. Enable it (gcloud secrets versions enable) or list an enabled version.`,
        error,
      );
    case Status.INVALID_ARGUMENT:
      return configurationError(
        `Secret Manager rejected the name ${resource} as invalid. Fix the secret option.`,
        error,
      );
    case Status.DEADLINE_EXCEEDED:
      return new StoreUnavailableError(`Secret Manager did not answer for ${resource} in time. Retry later.`, {
        source: SOURCE,
        cause: error,
      });
    default:
      break;
  }
  if (typeof code !== 'number' && /credential/i.test(String((error as { message?: unknown } | null)?.message))) {
    return configurationError(
      `could not get Google credentials to read ${resource}. Set up Application Default Credentials (GOOGLE_APPLICATION_CREDENTIALS or workload identity).`,
      error,
    );
  }
  return new StoreUnavailableError(
    `Secret Manager could not serve ${resource}${typeof code === 'number' ? ` (gRPC status ${code})` : ''}. Check connectivity and retry.`,
    { source: SOURCE, cause: error },
  );
}
