import type { protos, SecretManagerServiceClient } from '@google-cloud/secret-manager';
import {
  assertValidKid,
  type KeyringMaterial,
  type KeySource,
  type KeyVersion,
  keyFromSecret,
} from '@oauth-store/core';
import { configurationError, mapGcpError } from './errors';
import type { GcpSecretManagerKeySourceOptions } from './options';

const SECRET = /^projects\/[^/\s]+\/(?:locations\/[^/\s]+\/)?secrets\/[A-Za-z0-9_-]+$/;
const VERSION_NAME = /^projects\/([^/]+)\/(?:locations\/([^/]+)\/)?secrets\/([^/]+)\/versions\/(\d+)$/;
const VERSION_ID = /^(?:latest|\d+)$/;

/** gRPC FAILED_PRECONDITION (disabled or destroyed version) and NOT_FOUND: a skipped older version. */
const SKIPPABLE = new Set([9, 5]);

interface Accessed {
  number: number;
  key: KeyVersion;
}

/**
 * A {@link KeySource} reading the key-encryption key from Google Cloud Secret Manager. The first of `versions`
 * (default `latest`) is the primary key; the others, and up to `previousVersions` older enabled versions, are
 * decrypt-only. `latest` is resolved to the real version number AccessSecretVersion returns, so adding a version
 * rotates the key and changes the kid. The kid is `gcp:{project}/{secret}/{version}` (with `{location}/` before the
 * secret for regional secrets), built from the name the service returns, which uses the project number.
 *
 * Each `load()` makes one AccessSecretVersion call per loaded version (with `previousVersionLookup: 'list'`, plus
 * ListSecretVersions pages). The SDK is a peer dependency, imported on first use when no client is given.
 */
export function gcpSecretManagerKeySource(options: GcpSecretManagerKeySourceOptions): KeySource {
  const secret = typeof options.secret === 'string' ? options.secret.trim() : '';
  if (!SECRET.test(secret)) {
    throw configurationError(
      '`secret` must be a secret resource name such as "projects/my-project/secrets/oauth-store-kek" (no /versions/ part; use the versions option).',
    );
  }
  const versions = [...(options.versions ?? ['latest'])];
  if (versions.length === 0 || !versions.every((v) => typeof v === 'string' && VERSION_ID.test(v))) {
    throw configurationError('`versions` must list one or more version numbers or "latest", the primary first.');
  }
  const previousVersions = options.previousVersions ?? 1;
  if (!Number.isInteger(previousVersions) || previousVersions < 0 || previousVersions > 100) {
    throw configurationError('`previousVersions` must be an integer from 0 to 100.');
  }
  const lookup = options.previousVersionLookup ?? 'sequential';
  if (lookup !== 'sequential' && lookup !== 'list') {
    throw configurationError('`previousVersionLookup` must be "sequential" or "list".');
  }
  const timeoutMs = options.timeoutMs ?? 10_000;
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) throw configurationError('`timeoutMs` must be a positive number.');
  const description = `gcp-secret-manager ${secret}`;
  let ownClient: Promise<SecretManagerServiceClient> | undefined;

  function client(): Promise<SecretManagerServiceClient> {
    if (options.client) return Promise.resolve(options.client);
    ownClient ??= import('@google-cloud/secret-manager').then(
      (m) => {
        // The package is CommonJS: its named export may sit on `default` depending on the loader.
        const Client =
          m.SecretManagerServiceClient ?? (m as unknown as { default: typeof m }).default.SecretManagerServiceClient;
        return new Client(options.clientOptions);
      },
      (error: unknown) => {
        ownClient = undefined;
        throw configurationError(
          'the Google Cloud Secret Manager SDK is not installed. Install it next to this package: npm install @google-cloud/secret-manager',
          error,
        );
      },
    );
    return ownClient;
  }

  async function access(version: string): Promise<Accessed> {
    const name = `${secret}/versions/${version}`;
    const c = await client();
    let response: protos.google.cloud.secretmanager.v1.IAccessSecretVersionResponse;
    try {
      [response] = await c.accessSecretVersion({ name }, { timeout: timeoutMs });
    } catch (error) {
      throw mapGcpError(error, `${description} version ${version}`, 'access');
    }
    const match = VERSION_NAME.exec(response.name ?? '');
    if (!match) throw configurationError(`${name}: the answer names no version number.`);
    const [, project, location, id, number] = match;
    const which = `${description} version ${number}`;
    const data = response.payload?.data;
    const bytes = typeof data === 'string' ? Buffer.from(data, 'base64') : data ? Buffer.from(data) : Buffer.alloc(0);
    if (bytes.length === 0 || bytes.toString('utf8').trim() === '') {
      throw configurationError(
        `${which} is empty. Add a version with a key: openssl rand -base64 32 | tr -d '\\n' | gcloud secrets versions add SECRET_ID --data-file=-`,
      );
    }
    const kid = `gcp:${project}/${location ? `${location}/` : ''}${id}/${number}`;
    assertValidKid(kid, `the kid derived from ${which}`);
    return { number: Number(number), key: { kid, key: keyFromSecret(bytes, options.encoding, which) } };
  }

  /** Enabled version numbers below `below`, newest first, at most `count`, from ListSecretVersions. */
  async function listOlder(below: number, count: number, skip: Set<number>): Promise<number[]> {
    const c = await client();
    const found: number[] = [];
    try {
      const iterable = c.listSecretVersionsAsync(
        { parent: secret, filter: 'state:ENABLED', pageSize: Math.max(count * 2, 10) },
        { timeout: timeoutMs },
      );
      for await (const version of iterable) {
        const number = Number(VERSION_NAME.exec(version.name ?? '')?.[4]);
        if (Number.isInteger(number) && number < below && !skip.has(number)) found.push(number);
        // The service lists newest first; stop paging once enough older versions are in hand.
        if (found.length >= count) break;
      }
    } catch (error) {
      throw mapGcpError(error, `${description} (listing versions)`, 'list');
    }
    return found.sort((a, b) => b - a).slice(0, count);
  }

  return {
    description,
    async load(): Promise<KeyringMaterial> {
      const primary = await access(versions[0]!);
      const seen = new Set([primary.number]);
      const decryptOnly: KeyVersion[] = [];
      for (const version of versions.slice(1)) {
        const accessed = await access(version);
        if (seen.has(accessed.number)) continue;
        seen.add(accessed.number);
        decryptOnly.push(accessed.key);
      }
      if (previousVersions > 0) {
        const candidates =
          lookup === 'list'
            ? await listOlder(primary.number, previousVersions, seen)
            : Array.from({ length: previousVersions }, (_, i) => primary.number - 1 - i).filter(
                (n) => n >= 1 && !seen.has(n),
              );
        for (const number of candidates) {
          try {
            decryptOnly.push((await access(String(number))).key);
          } catch (error) {
            // A disabled, destroyed or missing older version is skipped, never fatal: it is only decrypt-only.
            const code = (error as { cause?: { code?: unknown } }).cause?.code;
            if (lookup === 'sequential' && typeof code === 'number' && SKIPPABLE.has(code)) continue;
            throw error;
          }
        }
      }
      return { primary: primary.key, decryptOnly };
    },
    async close(): Promise<void> {
      const created = ownClient;
      ownClient = undefined;
      if (created) await (await created.catch(() => undefined))?.close();
    },
  };
}
