import type { SecretsManagerClient, SecretsManagerClientConfig } from '@aws-sdk/client-secrets-manager';
import type { SecretEncoding } from '@oauth-store/core';

/** Options of {@link awsSecretsManagerKeySource}. */
export interface AwsSecretsManagerKeySourceOptions {
  /** The secret's name or ARN. */
  secretId: string;
  /** How the secret's value is encoded (`base64` for `openssl rand -base64 32`; `raw` for a 32-byte SecretBinary). */
  encoding: SecretEncoding;
  /**
   * When the SecretString is a JSON object (the console's key/value form), the property holding the key. Absent: the
   * whole SecretString (or SecretBinary) is the key.
   */
  jsonKey?: string;
  /**
   * Also load the AWSPREVIOUS version as a decrypt-only key, so records written before a rotation stay readable.
   * Default true. A secret without an AWSPREVIOUS version (never rotated) is fine.
   */
  includePrevious?: boolean;
  /** A client to use (it stays yours: `close()` does not destroy it). Default: one created from `clientConfig`. */
  client?: SecretsManagerClient;
  /** Configuration for the client created when `client` is absent (region, credentials, ...). */
  clientConfig?: SecretsManagerClientConfig;
  /** Deadline for each GetSecretValue call, in milliseconds. Default 10 000. */
  timeoutMs?: number;
}
