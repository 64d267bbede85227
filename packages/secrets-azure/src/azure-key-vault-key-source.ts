import type { KeyVaultSecret, SecretClient } from '@azure/keyvault-secrets';
import {
  assertValidKid,
  type KeyringMaterial,
  type KeySource,
  type KeyVersion,
  keyFromSecret,
} from '@oauth-store/core';
import { configurationError, mapAzureError } from './errors';
import type { AzureKeyVaultKeySourceOptions } from './options';

/** Key Vault secret names: 1-127 letters, digits and dashes. */
const NAME = /^[0-9A-Za-z-]{1,127}$/;
const VERSION = /^[0-9A-Za-z]{1,64}$/;

/**
 * A {@link KeySource} reading the key-encryption key from an Azure Key Vault secret. The secret's current version
 * (or the pinned `version`) is the primary key; up to `previousVersions` older enabled versions, by creation time,
 * are decrypt-only, so setting a new value (`az keyvault secret set`) rotates the key. The kid is
 * `azure:{name}/{version id}`.
 *
 * Each `load()` makes one get call, plus (with `previousVersions` > 0) the version listing pages and one get per
 * older version. The SDK is a peer dependency, imported on first use when no client is given.
 */
export function azureKeyVaultKeySource(options: AzureKeyVaultKeySourceOptions): KeySource {
  if (typeof options.name !== 'string' || !NAME.test(options.name)) {
    throw configurationError('`name` must be a Key Vault secret name: 1 to 127 letters, digits and dashes.');
  }
  if (options.version !== undefined && !VERSION.test(options.version)) {
    throw configurationError(
      '`version` must be a Key Vault version id (32 hex digits), or left out for the current one.',
    );
  }
  if (!options.client) {
    let url: URL | undefined;
    try {
      url = new URL(options.vaultUrl ?? '');
    } catch {
      url = undefined;
    }
    if (url?.protocol !== 'https:') {
      throw configurationError(
        '`vaultUrl` must be the vault\'s https URL, for example "https://my-vault.vault.azure.net".',
      );
    }
    if (!options.credential) {
      throw configurationError(
        'give `credential` (for example new DefaultAzureCredential() from @azure/identity) or a ready `client`.',
      );
    }
  }
  const previousVersions = options.previousVersions ?? 1;
  if (!Number.isInteger(previousVersions) || previousVersions < 0 || previousVersions > 100) {
    throw configurationError('`previousVersions` must be an integer from 0 to 100.');
  }
  const timeoutMs = options.timeoutMs ?? 10_000;
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) throw configurationError('`timeoutMs` must be a positive number.');
  const name = options.name;
  const vault = options.client?.vaultUrl ?? options.vaultUrl!;
  const description = `azure-key-vault ${vault.replace(/\/+$/, '')} secret ${name}`;
  let ownClient: Promise<SecretClient> | undefined;

  function client(): Promise<SecretClient> {
    if (options.client) return Promise.resolve(options.client);
    ownClient ??= import('@azure/keyvault-secrets').then(
      (m) => new m.SecretClient(options.vaultUrl!, options.credential!, options.clientOptions),
      (error: unknown) => {
        ownClient = undefined;
        throw configurationError(
          'the Azure Key Vault SDK is not installed. Install it next to this package: npm install @azure/keyvault-secrets @azure/identity',
          error,
        );
      },
    );
    return ownClient;
  }

  async function get(version: string | undefined): Promise<KeyVaultSecret> {
    const c = await client();
    const signal = AbortSignal.timeout(timeoutMs);
    try {
      return await c.getSecret(name, { ...(version ? { version } : {}), abortSignal: signal });
    } catch (error) {
      throw mapAzureError(error, version ? `${description} version ${version}` : description, 'get', signal.aborted);
    }
  }

  function toKey(secret: KeyVaultSecret): KeyVersion {
    const version = secret.properties.version;
    if (!version) throw configurationError(`${description}: the answer has no version id.`);
    const which = `${description} version ${version}`;
    if (typeof secret.value !== 'string' || secret.value.trim() === '') {
      throw configurationError(
        `${which} is empty. Set a key: az keyvault secret set --vault-name VAULT --name ${name} --value "$(openssl rand -base64 32)"`,
      );
    }
    const kid = `azure:${secret.properties.name || name}/${version}`;
    assertValidKid(kid, `the kid derived from ${which}`);
    return { kid, key: keyFromSecret(secret.value, options.encoding, which) };
  }

  /** Older enabled version ids, newest first, at most `previousVersions`. */
  async function olderVersions(primary: KeyVaultSecret): Promise<string[]> {
    const c = await client();
    const createdOn = primary.properties.createdOn?.getTime();
    const found: { version: string; created: number }[] = [];
    const signal = AbortSignal.timeout(timeoutMs);
    try {
      for await (const properties of c.listPropertiesOfSecretVersions(name, { abortSignal: signal })) {
        const created = properties.createdOn?.getTime();
        if (
          properties.version &&
          properties.version !== primary.properties.version &&
          properties.enabled !== false &&
          created !== undefined &&
          (createdOn === undefined || created <= createdOn)
        ) {
          found.push({ version: properties.version, created });
        }
      }
    } catch (error) {
      throw mapAzureError(error, `${description} (listing versions)`, 'list', signal.aborted);
    }
    // Key Vault lists versions in no particular order: sort by creation time, newest first.
    return found
      .sort((a, b) => b.created - a.created)
      .slice(0, previousVersions)
      .map((v) => v.version);
  }

  return {
    description,
    async load(): Promise<KeyringMaterial> {
      const current = await get(options.version);
      const primary = toKey(current);
      const decryptOnly: KeyVersion[] = [];
      if (previousVersions > 0) {
        for (const version of await olderVersions(current)) decryptOnly.push(toKey(await get(version)));
      }
      return { primary, decryptOnly };
    },
  };
}
