import type { SecretEncoding } from '@oauth-store/core';

/** Options of {@link vaultKvKeySource}. */
export interface VaultKvKeySourceOptions {
  /**
   * Vault's address, as in `VAULT_ADDR` (for example `https://vault.internal:8200`). Use HTTPS: the token and the key
   * travel over this connection. Plain `http://` is accepted only for loopback addresses unless
   * {@link allowInsecureHttp} is set.
   */
  address: string;
  /** A Vault token with `read` on `{mount}/data/{path}`. Give this or {@link tokenProvider}. */
  token?: string;
  /**
   * Returns the token to use, called once per `load()`; use it when the token is renewed or rotated outside this
   * process (for example read from the file a Vault Agent sink writes).
   */
  tokenProvider?: () => string | Promise<string>;
  /** Mount path of the KV version 2 secrets engine. Default `secret`. */
  mount?: string;
  /** Path of the secret inside the mount (for example `oauth-store/kek`). */
  path: string;
  /** Field of the secret's data holding the key. Default `key`. */
  field?: string;
  /** Vault Enterprise / HCP namespace, sent as `X-Vault-Namespace`. */
  namespace?: string;
  /** How the field's value is encoded (`base64` for `openssl rand -base64 32`). */
  encoding: SecretEncoding;
  /**
   * How many versions before the current one to load as decrypt-only keys, so records written before a rotation
   * stay readable. Versions that were deleted or destroyed are skipped. Default 1; each costs one request per load.
   */
  previousVersions?: number;
  /** Deadline for each HTTP request, in milliseconds. Default 10 000. */
  timeoutMs?: number;
  /** Allows `http://` to a non-loopback address. Never do this in production: the token and key cross in clear. */
  allowInsecureHttp?: boolean;
  /** The `fetch` to use. Default: the global `fetch`. */
  fetch?: typeof fetch;
}
