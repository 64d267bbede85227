// The key source's paths with whichever @aws-sdk/client-secrets-manager the calling test file maps the peer to (see
// sdk-lowest.test.ts): the adapter builds its GetSecretValueCommand from the peer, so the whole SDK, not only the
// client, must be the version under test. Against the Secrets Manager FAKE (wire-level awsJson1_1 on loopback HTTP).
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:net';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ConfigurationError, type KeySource, StoreUnavailableError } from '@oauth-store/core';
import { type FakeSecretsManager, startFakeSecretsManager } from '@oauth-store/test-servers/fakes';
import { installedVersion } from '../../../../scripts/test-support/installed-version';

type Sdk = typeof import('@aws-sdk/client-secrets-manager');
type Adapter = typeof import('../../src/index');

async function loadError(source: KeySource): Promise<Error> {
  const error = await source.load().then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(Error);
  return error as Error;
}

/** Registers the paths for the SDK that `importName` resolves to, which must be a version matching `expected`. */
export function describeSdkPaths(importName: string, expected: RegExp): void {
  describe(`@aws-sdk/client-secrets-manager ${expected.source} (as ${importName})`, () => {
    let fake: FakeSecretsManager;
    let sdk: Sdk;
    let adapter: Adapter;
    const clients: SecretsManagerClient[] = [];
    const clientFor = (accessKeyId: string, endpoint = fake.endpoint) => {
      const client = new sdk.SecretsManagerClient({
        endpoint,
        region: 'us-east-1',
        credentials: { accessKeyId, secretAccessKey: 'fake-secret-access-key' },
        maxAttempts: 1,
      });
      clients.push(client);
      return client;
    };
    let counter = 0;
    const newName = () => `oauth-store/sdk-${process.pid}-${++counter}`;
    const newKey = () => randomBytes(32).toString('base64');

    beforeAll(async () => {
      sdk = await import('@aws-sdk/client-secrets-manager');
      adapter = await import('../../src/index');
      fake = await startFakeSecretsManager({ accessKeyId: 'AKIDFAKE' });
    });
    afterAll(async () => {
      for (const client of clients) client.destroy();
      await fake?.close();
    });

    it('the peer the adapter imports is that version', async () => {
      expect(installedVersion(importName, '@aws-sdk/client-secrets-manager', import.meta.url)).toMatch(expected);
      const aliased = (await import(importName)) as Sdk;
      expect(sdk.GetSecretValueCommand).toBe(aliased.GetSecretValueCommand);
    });

    it('loads AWSCURRENT as primary and AWSPREVIOUS as decrypt-only', async () => {
      const name = newName();
      const k1 = newKey();
      const k2 = newKey();
      const v1 = fake.putSecretValue(name, { secretString: k1 });
      const v2 = fake.putSecretValue(name, { secretString: k2 });
      const source = adapter.awsSecretsManagerKeySource({
        secretId: name,
        encoding: 'base64',
        client: clientFor('AKIDFAKE'),
      });
      const material = await source.load();
      expect(material.primary.kid).toBe(`aws:${name}@${v2}`);
      expect(Buffer.from(material.primary.key).toString('base64')).toBe(k2);
      expect(material.decryptOnly.map((k) => k.kid)).toEqual([`aws:${name}@${v1}`]);
      expect(Buffer.from(material.decryptOnly[0]!.key).toString('base64')).toBe(k1);
    });

    it('builds its own client from clientConfig with this SDK', async () => {
      const name = newName();
      fake.putSecretValue(name, { secretString: newKey() });
      const source = adapter.awsSecretsManagerKeySource({
        secretId: name,
        encoding: 'base64',
        clientConfig: {
          endpoint: fake.endpoint,
          region: 'us-east-1',
          credentials: { accessKeyId: 'AKIDFAKE', secretAccessKey: 'x' },
          maxAttempts: 1,
        },
      });
      expect((await source.load()).primary.kid.startsWith(`aws:${name}@`)).toBe(true);
      await source.close?.();
    });

    it('access denied, a missing secret and unknown credentials are ConfigurationErrors', async () => {
      const name = newName();
      fake.putSecretValue(name, { secretString: newKey() });
      const narrow = `AKIDNARROW${process.pid}${counter}`;
      fake.addAccessKey(narrow, { secrets: ['something-else'] });
      const denied = await loadError(
        adapter.awsSecretsManagerKeySource({ secretId: name, encoding: 'base64', client: clientFor(narrow) }),
      );
      expect(denied).toBeInstanceOf(ConfigurationError);
      expect(denied.message).toContain('secretsmanager:GetSecretValue');
      const missing = await loadError(
        adapter.awsSecretsManagerKeySource({ secretId: newName(), encoding: 'base64', client: clientFor('AKIDFAKE') }),
      );
      expect(missing).toBeInstanceOf(ConfigurationError);
      expect(missing.message).toContain('was not found');
      const stranger = await loadError(
        adapter.awsSecretsManagerKeySource({ secretId: name, encoding: 'base64', client: clientFor('AKIDUNKNOWN') }),
      );
      expect(stranger).toBeInstanceOf(ConfigurationError);
      expect(stranger.message).toContain('rejected the credentials');
    });

    it('a closed port is a StoreUnavailableError', async () => {
      const probe: Server = createServer(() => {});
      await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
      const { port } = probe.address() as { port: number };
      await new Promise((resolve) => probe.close(resolve));
      const client = clientFor('AKIDFAKE', `http://127.0.0.1:${port}`);
      const error = await loadError(adapter.awsSecretsManagerKeySource({ secretId: 'x', encoding: 'base64', client }));
      expect(error).toBeInstanceOf(StoreUnavailableError);
    });
  });
}
