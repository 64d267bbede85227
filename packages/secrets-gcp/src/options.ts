import type { SecretManagerServiceClient } from '@google-cloud/secret-manager';
import type { SecretEncoding } from '@oauth-store/core';

/** Options of the client constructor of `@google-cloud/secret-manager`. */
export type SecretManagerClientOptions = ConstructorParameters<typeof SecretManagerServiceClient>[0];

/** Options of {@link gcpSecretManagerKeySource}. */
export interface GcpSecretManagerKeySourceOptions {
  /** The secret's resource name: `projects/{project}/secrets/{id}` (or `projects/{p}/locations/{l}/secrets/{id}`). */
  secret: string;
  /**
   * Versions to load: the first is the primary key, the others decrypt-only. Each is a version number or `latest`.
   * Default `['latest']`, so adding a version rotates the key.
   */
  versions?: readonly string[];
  /** How the secret's payload is encoded (`base64` for `openssl rand -base64 32`; `raw` for 32 raw bytes). */
  encoding: SecretEncoding;
  /**
   * How many versions older than the primary to load as decrypt-only keys too, so records written before a rotation
   * stay readable. Default 1. Set 0 to load only `versions`.
   */
  previousVersions?: number;
  /**
   * How older versions are found.
   * - `sequential` (default): tries the version numbers just below the primary, skipping disabled, destroyed or
   *   missing ones. Needs only `secretmanager.versions.access` (`roles/secretmanager.secretAccessor`).
   * - `list`: calls ListSecretVersions (filter `state:ENABLED`) and takes the newest enabled versions below the
   *   primary, so a disabled version in between does not hide an older enabled one. Also needs
   *   `secretmanager.versions.list` (for example `roles/secretmanager.viewer`).
   */
  previousVersionLookup?: 'sequential' | 'list';
  /** A client to use (it stays yours: `close()` does not close it). Default: one created from `clientOptions`. */
  client?: SecretManagerServiceClient;
  /** Options for the client created when `client` is absent. */
  clientOptions?: SecretManagerClientOptions;
  /** Deadline for each call, including the SDK's own retries, in milliseconds. Default 10 000. */
  timeoutMs?: number;
}
