import {
  BackendErrorSummary,
  ConfigurationError,
  describeBackendError,
  type OAuthStoreError,
  StoreUnavailableError,
  ValueTooLargeError,
} from '@oauth-store/core';

/** The source name every error of this adapter carries. */
export const SOURCE = 'dynamodb';

/** AWS error names that mean the credentials or permissions are wrong: retrying will not help. */
const ACCESS_ERRORS = new Set([
  'AccessDeniedException',
  'UnrecognizedClientException',
  'InvalidSignatureException',
  'MissingAuthenticationTokenException',
  'IncompleteSignature',
  'CredentialsProviderError',
  'InvalidClientTokenId',
]);

function errorName(error: unknown): string | undefined {
  const name = (error as { name?: unknown } | null)?.name;
  return typeof name === 'string' ? name : undefined;
}

/** True for the SDK's "Region is missing": no region in the client config, `AWS_REGION` or the shared config file. */
export function isRegionMissing(error: unknown): boolean {
  const message = (error as { message?: unknown } | null)?.message;
  return typeof message === 'string' && /^region is missing/i.test(message);
}

/** The configuration error for a client without a region: not retriable, and it says where a region comes from. */
export function missingRegionError(): ConfigurationError {
  return new ConfigurationError(
    'no AWS region is configured, so the DynamoDB client does not know where the table is. Set the region: clientConfig.region (or region= in a dynamodb:// URL), the AWS_REGION environment variable, or region in the shared AWS config file.',
    { source: SOURCE },
  );
}

/** True for DynamoDB's "the condition did not hold" answer, which the adapter turns into false / undefined. */
export function isConditionalCheckFailed(error: unknown): boolean {
  return errorName(error) === 'ConditionalCheckFailedException';
}

/**
 * Turns an SDK error into a typed one. Messages name the AWS error type and what to do, never the AWS message
 * (a validation message can quote attribute values, and keys are codes and tokens); the cause keeps only the error's
 * name and code.
 */
export function mapDynamoDbError(error: unknown, operation: string, tableName: string): OAuthStoreError {
  const name = errorName(error);
  const what = describeBackendError(error);
  const message = (error as { message?: unknown } | null)?.message;
  if (isRegionMissing(error)) return missingRegionError();
  if (name === 'ResourceNotFoundException') {
    return new ConfigurationError(
      `${operation} failed (${what}): table "${tableName}" or its index was not found. Create it with createTable() or the table definition in the README, in the region and account the client uses.`,
      { source: SOURCE, cause: new BackendErrorSummary(error) },
    );
  }
  if (name && ACCESS_ERRORS.has(name)) {
    return new ConfigurationError(
      `${operation} failed (${what}): DynamoDB refused the credentials. Check them and grant the IAM actions listed in the README on table "${tableName}" and its indexes.`,
      { source: SOURCE, cause: new BackendErrorSummary(error) },
    );
  }
  if (name === 'ValidationException') {
    // Only the shape of the message is read, to tell an oversize item from a schema mismatch; it is never echoed.
    if (typeof message === 'string' && /item size/i.test(message)) {
      return new ValueTooLargeError(
        `${operation} failed: DynamoDB rejected the item as larger than 400 KB. Store less data per entry.`,
        { source: SOURCE },
      );
    }
    return new ConfigurationError(
      `${operation} failed (${what}): DynamoDB rejected the request as invalid, which usually means table "${tableName}" does not have the layout this adapter needs. Create it with createTable() or the README's table definition.`,
      // No cause: a validation message can quote attribute values.
      { source: SOURCE },
    );
  }
  // Throttling, 5xx, timeouts, aborted operations and network errors: the backend may answer later.
  return new StoreUnavailableError(`${operation} failed (${what}). DynamoDB was unreachable, throttled or too slow.`, {
    source: SOURCE,
    cause: new BackendErrorSummary(error),
  });
}
