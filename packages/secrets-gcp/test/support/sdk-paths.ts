// The key source's paths with whichever @google-cloud/secret-manager the calling test file maps the peer to (see
// sdk-v5.test.ts and sdk-v7.test.ts), including the client the adapter builds itself. Real gRPC against the Secret
// Manager FAKE on loopback, not Google Cloud. The insecure channel credentials come from the grpc-js that major's own
// google-gax uses: credentials from another copy of grpc-js are not recognised by its channel.
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { createServer, type Server } from 'node:net';
import { dirname } from 'node:path';
import type { SecretManagerServiceClient } from '@google-cloud/secret-manager';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ConfigurationError, type KeySource, StoreUnavailableError } from '@oauth-store/core';
import { type FakeSecretManager, startFakeSecretManager } from '@oauth-store/test-servers/fakes';
import { installedVersion } from '../../../../scripts/test-support/installed-version';

type Sdk = typeof import('@google-cloud/secret-manager');
type Adapter = typeof import('../../src/index');
const require = createRequire(import.meta.url);

/** Insecure channel credentials from the grpc-js under `importName`'s google-gax. */
function insecureCredentials(importName: string): unknown {
  const fromSdk = createRequire(require.resolve(importName));
  const fromGax = createRequire(dirname(fromSdk.resolve('google-gax')));
  const grpc = fromGax('@grpc/grpc-js') as { credentials: { createInsecure(): unknown } };
  return grpc.credentials.createInsecure();
}

async function loadError(source: KeySource): Promise<Error> {
  const error = await source.load().then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(Error);
  return error as Error;
}

const PROJECT = 'demo-project';
const NUMBER = '123456789';

/** Registers the paths for the SDK that `importName` resolves to, which must be a version matching `expected`. */
export function describeSdkPaths(importName: string, expected: RegExp): void {
  describe(`@google-cloud/secret-manager ${expected.source} (as ${importName})`, () => {
    let fake: FakeSecretManager;
    let sdk: Sdk;
    let adapter: Adapter;
    const clients: SecretManagerServiceClient[] = [];
    const optionsFor = (port: number) => ({
      apiEndpoint: '127.0.0.1',
      port,
      sslCreds: insecureCredentials(importName),
      universeDomain: 'googleapis.com',
    });
    const clientFor = (port = fake.port) => {
      // biome-ignore lint/suspicious/noExplicitAny: the options type is the devDependency's, the class may be another major's.
      const client = new sdk.SecretManagerServiceClient(optionsFor(port) as any);
      clients.push(client);
      return client;
    };
    let counter = 0;
    const newSecret = () => {
      const id = `sdk-${process.pid}-${++counter}`;
      return { name: `projects/${PROJECT}/secrets/${id}`, id };
    };
    const newKey = () => randomBytes(32).toString('base64');

    beforeAll(async () => {
      sdk = await import('@google-cloud/secret-manager');
      adapter = await import('../../src/index');
      fake = await startFakeSecretManager({ projects: { [PROJECT]: NUMBER } });
    });
    afterAll(async () => {
      await Promise.all(clients.map((client) => client.close()));
      await fake?.close();
    });

    it('the peer the adapter imports is that version', async () => {
      expect(installedVersion(importName, '@google-cloud/secret-manager', import.meta.url)).toMatch(expected);
      const aliased = (await import(importName)) as Sdk;
      expect(sdk.SecretManagerServiceClient).toBe(aliased.SecretManagerServiceClient);
    });

    it('resolves latest: primary and previous version, kids from the returned name', async () => {
      const { name, id } = newSecret();
      const k1 = newKey();
      const k2 = newKey();
      fake.addSecretVersion(name, k1);
      fake.addSecretVersion(name, k2);
      const material = await adapter
        .gcpSecretManagerKeySource({ secret: name, encoding: 'base64', client: clientFor() })
        .load();
      expect(material.primary.kid).toBe(`gcp:${NUMBER}/${id}/2`);
      expect(Buffer.from(material.primary.key).toString('base64')).toBe(k2);
      expect(material.decryptOnly.map((k) => k.kid)).toEqual([`gcp:${NUMBER}/${id}/1`]);
    });

    it('builds its own client from clientOptions with this SDK', async () => {
      const { name, id } = newSecret();
      fake.addSecretVersion(name, newKey());
      const source = adapter.gcpSecretManagerKeySource({
        secret: name,
        encoding: 'base64',
        // biome-ignore lint/suspicious/noExplicitAny: see clientFor.
        clientOptions: optionsFor(fake.port) as any,
      });
      expect((await source.load()).primary.kid).toBe(`gcp:${NUMBER}/${id}/1`);
      await source.close?.();
    });

    it('PERMISSION_DENIED and a missing secret are ConfigurationErrors', async () => {
      const { name } = newSecret();
      fake.addSecretVersion(name, newKey());
      fake.deny(name);
      const client = clientFor();
      const denied = await loadError(adapter.gcpSecretManagerKeySource({ secret: name, encoding: 'base64', client }));
      expect(denied).toBeInstanceOf(ConfigurationError);
      expect(denied.message).toContain('roles/secretmanager.secretAccessor');
      const missing = await loadError(
        adapter.gcpSecretManagerKeySource({ secret: newSecret().name, encoding: 'base64', client }),
      );
      expect(missing).toBeInstanceOf(ConfigurationError);
      expect(missing.message).toContain('was not found');
    });

    it('an unreachable endpoint is a StoreUnavailableError within the deadline', async () => {
      const probe: Server = createServer(() => {});
      await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
      const { port } = probe.address() as { port: number };
      await new Promise((resolve) => probe.close(resolve));
      // The client is built before the clock starts: its constructor loads the service's protos synchronously (seconds
      // on a loaded machine: 8.1 s of a CI run on Node 24 with v7), which is the application's start-up, not the load
      // whose deadline is under test, and which no timer could interrupt.
      const client = clientFor(port);
      const started = Date.now();
      const error = await loadError(
        adapter.gcpSecretManagerKeySource({ secret: newSecret().name, encoding: 'base64', client, timeoutMs: 500 }),
      );
      expect(error).toBeInstanceOf(StoreUnavailableError);
      expect(Date.now() - started).toBeLessThan(5_000);
    });
  });
}
