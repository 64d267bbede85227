import { ConfigurationError, type OAuthStoreError, StoreUnavailableError } from '@oauth-store/core';

/** Prefix of every error this package raises. */
export const SOURCE = 'secrets-aws';

/** A configuration error from this package. */
export function configurationError(message: string, cause?: unknown): ConfigurationError {
  return new ConfigurationError(message, { source: SOURCE, cause });
}

interface AwsErrorShape {
  name?: string;
  $fault?: 'client' | 'server';
  $metadata?: { httpStatusCode?: number };
}

/**
 * Maps an AWS SDK error from GetSecretValue to a typed error naming the secret and the fix. AWS's own message is not
 * copied (it can carry account ids and ARNs the caller did not configure); the error stays available as `cause`.
 */
export function mapAwsError(error: unknown, secret: string, timedOut: boolean): OAuthStoreError {
  const e = (error ?? {}) as AwsErrorShape;
  const name = e.name ?? '';
  const grant = `Grant the caller secretsmanager:GetSecretValue on ${secret} (and kms:Decrypt on the secret's KMS key if it is a customer-managed key).`;
  switch (name) {
    case 'ResourceNotFoundException':
      return configurationError(
        `${secret} was not found. Check the name/ARN and region, or create it: aws secretsmanager create-secret --name <name> --secret-string "$(openssl rand -base64 32)"`,
        error,
      );
    case 'AccessDeniedException':
      return configurationError(`permission denied reading ${secret}. ${grant}`, error);
    case 'DecryptionFailure':
      return configurationError(
        `Secrets Manager could not decrypt ${secret} with its KMS key. Grant the caller kms:Decrypt on that key.`,
        error,
      );
    case 'UnrecognizedClientException':
    case 'InvalidSignatureException':
    case 'ExpiredTokenException':
    case 'InvalidClientTokenId':
    case 'CredentialsProviderError':
      return configurationError(
        `AWS rejected the credentials used to read ${secret} (${name}). Check the credentials, their expiry and the region.`,
        error,
      );
    case 'InvalidRequestException':
    case 'InvalidParameterException':
      return configurationError(
        `Secrets Manager refused to read ${secret} (${name}): the secret may be scheduled for deletion, or the id is malformed. Restore it (aws secretsmanager restore-secret) or fix secretId.`,
        error,
      );
    default:
      break;
  }
  if (timedOut || name === 'TimeoutError' || name === 'AbortError') {
    return new StoreUnavailableError(`Secrets Manager did not answer reading ${secret} in time. Retry later.`, {
      source: SOURCE,
      cause: error,
    });
  }
  const status = e.$metadata?.httpStatusCode;
  if (
    e.$fault === 'server' ||
    status === undefined ||
    status >= 500 ||
    status === 429 ||
    name === 'ThrottlingException'
  ) {
    return new StoreUnavailableError(
      `Secrets Manager could not serve ${secret} (${name || 'network error'}). Check connectivity to the endpoint and retry.`,
      { source: SOURCE, cause: error },
    );
  }
  return configurationError(`Secrets Manager rejected reading ${secret} (${name || `HTTP ${status}`}).`, error);
}
