import { ConfigurationError, type OAuthStoreError, StoreUnavailableError } from '@oauth-store/core';

/** Prefix of every error this package raises. */
export const SOURCE = 'secrets-azure';

/** A configuration error from this package. */
export function configurationError(message: string, cause?: unknown): ConfigurationError {
  return new ConfigurationError(message, { source: SOURCE, cause });
}

interface RestErrorShape {
  name?: string;
  code?: string;
  statusCode?: number;
  details?: { error?: { code?: string; innerError?: { code?: string }; innererror?: { code?: string } } };
}

/** Which operation failed, so the message names the right permission. */
export type AzureOperation = 'get' | 'list';

/**
 * Maps a Key Vault client error to a typed error naming the secret and the fix. The service's own message is not
 * copied (it stays on `cause`).
 */
export function mapAzureError(
  error: unknown,
  resource: string,
  operation: AzureOperation,
  timedOut: boolean,
): OAuthStoreError {
  const e = (error ?? {}) as RestErrorShape;
  const inner = e.details?.error?.innerError?.code ?? e.details?.error?.innererror?.code;
  const permission =
    operation === 'get'
      ? 'the "Key Vault Secrets User" role (RBAC) or the secret "get" permission (access policy)'
      : 'the "Key Vault Secrets User" role (RBAC) or the secret "list" permission (access policy), or set previousVersions: 0';
  if (e.statusCode === 404) {
    return configurationError(
      `${resource} was not found. Check the vault URL and secret name, or create it: az keyvault secret set --vault-name VAULT --name NAME --value "$(openssl rand -base64 32)"`,
      error,
    );
  }
  if (e.statusCode === 403 && inner === 'SecretDisabled') {
    return configurationError(
      `${resource} is disabled. Enable it (az keyvault secret set-attributes --enabled true) or pin an enabled version.`,
      error,
    );
  }
  if (e.statusCode === 403) {
    return configurationError(
      `permission denied on ${resource} (${operation}). Give the application's identity ${permission}, and check the vault's network rules.`,
      error,
    );
  }
  if (e.statusCode === 401 || e.name === 'CredentialUnavailableError' || e.name === 'AuthenticationError') {
    return configurationError(
      `Azure rejected or could not get the credentials used for ${resource}. Check the credential (managed identity, service principal, tenant).`,
      error,
    );
  }
  if (e.statusCode === 400) {
    return configurationError(
      `Key Vault rejected the request for ${resource} as invalid. Check the vault URL and name.`,
      error,
    );
  }
  if (timedOut || e.name === 'AbortError') {
    return new StoreUnavailableError(`Key Vault did not answer for ${resource} in time. Retry later.`, {
      source: SOURCE,
      cause: error,
    });
  }
  return new StoreUnavailableError(
    `Key Vault could not serve ${resource}${e.statusCode ? ` (HTTP ${e.statusCode})` : ''}. Check connectivity to the vault and retry.`,
    { source: SOURCE, cause: error },
  );
}
