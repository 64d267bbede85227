import type { GetSecretValueCommandOutput, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import {
  assertValidKid,
  type KeyringMaterial,
  type KeySource,
  type KeyVersion,
  keyFromSecret,
} from '@oauth-store/core';
import { configurationError, mapAwsError } from './errors';
import type { AwsSecretsManagerKeySourceOptions } from './options';

type Sdk = typeof import('@aws-sdk/client-secrets-manager');

/**
 * A {@link KeySource} reading the key-encryption key from AWS Secrets Manager. The version labelled AWSCURRENT is the
 * primary key and the one labelled AWSPREVIOUS (when it exists) is decrypt-only, so Secrets Manager's own rotation
 * (or a `put-secret-value`) rotates the key: the next `load()` returns the new version with a new kid, and records
 * written under the old one stay readable. The kid is `aws:{secret name}@{VersionId}`.
 *
 * Each `load()` makes one GetSecretValue call, plus one for AWSPREVIOUS unless `includePrevious` is false.
 * The SDK is a peer dependency, imported on first use when no client is given.
 */
export function awsSecretsManagerKeySource(options: AwsSecretsManagerKeySourceOptions): KeySource {
  if (typeof options.secretId !== 'string' || options.secretId.trim() === '') {
    throw configurationError("`secretId` is required: the secret's name or ARN.");
  }
  const timeoutMs = options.timeoutMs ?? 10_000;
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) throw configurationError('`timeoutMs` must be a positive number.');
  const secretId = options.secretId;
  const description = `aws-secrets-manager ${secretId}`;
  const includePrevious = options.includePrevious ?? true;
  let sdk: Promise<Sdk> | undefined;
  let ownClient: Promise<SecretsManagerClient> | undefined;

  function loadSdk(): Promise<Sdk> {
    sdk ??= import('@aws-sdk/client-secrets-manager').catch((error: unknown) => {
      sdk = undefined;
      throw configurationError(
        'the AWS SDK is not installed. Install it next to this package: npm install @aws-sdk/client-secrets-manager',
        error,
      );
    });
    return sdk;
  }

  function client(): Promise<SecretsManagerClient> {
    if (options.client) return Promise.resolve(options.client);
    ownClient ??= loadSdk().then((m) => new m.SecretsManagerClient(options.clientConfig ?? {}));
    return ownClient;
  }

  /** One GetSecretValue; `undefined` when the stage does not exist and that is allowed. */
  async function fetchStage(stage: 'AWSCURRENT' | 'AWSPREVIOUS'): Promise<GetSecretValueCommandOutput | undefined> {
    const [c, m] = await Promise.all([client(), loadSdk()]);
    const signal = AbortSignal.timeout(timeoutMs);
    try {
      return await c.send(new m.GetSecretValueCommand({ SecretId: secretId, VersionStage: stage }), {
        abortSignal: signal,
      });
    } catch (error) {
      const name = (error as { name?: string } | null)?.name;
      // A secret never rotated has no AWSPREVIOUS: Secrets Manager answers ResourceNotFound for the label.
      if (stage === 'AWSPREVIOUS' && name === 'ResourceNotFoundException') return undefined;
      throw mapAwsError(error, stage === 'AWSCURRENT' ? description : `${description} (AWSPREVIOUS)`, signal.aborted);
    }
  }

  function toKey(output: GetSecretValueCommandOutput, stage: string): KeyVersion {
    const which = `${description} (${stage})`;
    if (!output.VersionId) throw configurationError(`${which}: the answer has no VersionId.`);
    let secret: string | Uint8Array;
    if (typeof output.SecretString === 'string') secret = output.SecretString;
    else if (output.SecretBinary instanceof Uint8Array) secret = output.SecretBinary;
    else throw configurationError(`${which} has neither SecretString nor SecretBinary. Store the key in the secret.`);
    if (options.jsonKey !== undefined) {
      if (typeof secret !== 'string') {
        throw configurationError(`${which} is SecretBinary, so jsonKey cannot apply. Drop jsonKey or store JSON text.`);
      }
      let parsed: unknown;
      try {
        parsed = JSON.parse(secret);
      } catch {
        throw configurationError(`${which} is not a JSON object, so jsonKey "${options.jsonKey}" cannot apply.`);
      }
      const value = (parsed as Record<string, unknown> | null)?.[options.jsonKey];
      if (typeof value !== 'string') {
        throw configurationError(`${which} has no string property "${options.jsonKey}". Add it or fix jsonKey.`);
      }
      secret = value;
    }
    if (secret.length === 0 || (typeof secret === 'string' && secret.trim() === '')) {
      throw configurationError(
        `${which} is empty. Put a key: aws secretsmanager put-secret-value --secret-id <id> --secret-string "$(openssl rand -base64 32)"`,
      );
    }
    const kid = `aws:${output.Name ?? secretId}@${output.VersionId}`;
    assertValidKid(kid, `the kid derived from ${description} (a secret name this long does not fit 255 characters)`);
    return { kid, key: keyFromSecret(secret, options.encoding, which) };
  }

  return {
    description,
    async load(): Promise<KeyringMaterial> {
      const current = await fetchStage('AWSCURRENT');
      const primary = toKey(current!, 'AWSCURRENT');
      const decryptOnly: KeyVersion[] = [];
      if (includePrevious) {
        const previous = await fetchStage('AWSPREVIOUS');
        if (previous && previous.VersionId !== current!.VersionId) decryptOnly.push(toKey(previous, 'AWSPREVIOUS'));
      }
      return { primary, decryptOnly };
    },
    async close(): Promise<void> {
      const created = ownClient;
      ownClient = undefined;
      if (created) (await created.catch(() => undefined))?.destroy();
    },
  };
}
