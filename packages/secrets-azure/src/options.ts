import type { SecretClient, SecretClientOptions } from '@azure/keyvault-secrets';
import type { SecretEncoding } from '@oauth-store/core';

/** The credential type `SecretClient` takes (`TokenCredential` from `@azure/core-auth`, e.g. `DefaultAzureCredential`). */
export type KeyVaultCredential = ConstructorParameters<typeof SecretClient>[1];

/** Options of {@link azureKeyVaultKeySource}. */
export interface AzureKeyVaultKeySourceOptions {
  /** The vault's URL, for example `https://my-vault.vault.azure.net`. Ignored when `client` is given. */
  vaultUrl?: string;
  /** The secret's name in the vault. */
  name: string;
  /** How the secret's value is encoded (`base64` for `openssl rand -base64 32`). */
  encoding: SecretEncoding;
  /** A version id to use as the primary instead of the current version (pinning). */
  version?: string;
  /**
   * How many earlier enabled versions (by creation time, older than the primary) to load as decrypt-only keys, so
   * records written before a rotation stay readable. Default 1. Listing versions needs the `list` secret permission;
   * set 0 to need only `get`.
   */
  previousVersions?: number;
  /** A client to use (its vault URL is used). Default: one created from `vaultUrl`, `credential`, `clientOptions`. */
  client?: SecretClient;
  /** Credential for the client created when `client` is absent, for example `new DefaultAzureCredential()`. */
  credential?: KeyVaultCredential;
  /** Options of the client created when `client` is absent. */
  clientOptions?: SecretClientOptions;
  /** Deadline for each call, including the SDK's own retries, in milliseconds. Default 10 000. */
  timeoutMs?: number;
}
