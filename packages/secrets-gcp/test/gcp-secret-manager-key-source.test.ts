import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:net';
import { SecretManagerServiceClient } from '@google-cloud/secret-manager';
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ConfigurationError, type KeySource, StoreUnavailableError } from '@oauth-store/core';
import { type FakeSecretManager, startFakeSecretManager } from '@oauth-store/test-servers/fakes';
import { gcpSecretManagerKeySource } from '../src/index';

// Runs the real @google-cloud/secret-manager client over real gRPC against the Secret Manager FAKE (built from the
// SDK's own protos, on loopback), not Google Cloud.

const PROJECT = 'demo-project';
const NUMBER = '123456789';
let fake: FakeSecretManager;
let client: SecretManagerServiceClient;

/**
 * The client the tests use. `sslCreds` (insecure, for the loopback fake) makes google-gax use these channel
 * credentials instead of Google credentials, so no auth client is needed; `universeDomain` is given explicitly so
 * gax's universe-domain check does not start Application Default Credentials discovery (which would probe the GCE
 * metadata server, a non-loopback address).
 */
function clientFor(port: number): SecretManagerServiceClient {
  return new SecretManagerServiceClient({
    apiEndpoint: '127.0.0.1',
    port,
    sslCreds: grpc.credentials.createInsecure(),
    universeDomain: 'googleapis.com',
  });
}

beforeAll(async () => {
  fake = await startFakeSecretManager({ projects: { [PROJECT]: NUMBER } });
  client = clientFor(fake.port);
});
afterAll(async () => {
  await client?.close();
  await fake?.close();
});

let counter = 0;
function newSecret(): { name: string; id: string } {
  counter += 1;
  const id = `kek-${process.pid}-${counter}`;
  return { name: `projects/${PROJECT}/secrets/${id}`, id };
}
const newKey = () => randomBytes(32).toString('base64');
const b64 = (key: Uint8Array) => Buffer.from(key).toString('base64');

async function loadError(source: KeySource): Promise<Error> {
  const error = await source.load().then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(Error);
  return error as Error;
}

function expectNoMaterial(error: Error, ...secrets: string[]): void {
  const text = `${error.message}\n${error.stack ?? ''}`;
  for (const secret of secrets) expect(text).not.toContain(secret);
}

function callsSince(start: number): string[] {
  return fake.calls.slice(start).map((c) => c.method);
}

describe('gcpSecretManagerKeySource against the Secret Manager fake', () => {
  it('resolves latest to the real version: primary and previous version with kids from the returned name', async () => {
    const { name, id } = newSecret();
    const k1 = newKey();
    const k2 = newKey();
    fake.addSecretVersion(name, k1);
    fake.addSecretVersion(name, k2);
    const source = gcpSecretManagerKeySource({ secret: name, encoding: 'base64', client });
    const start = fake.calls.length;
    const material = await source.load();
    expect(material.primary.kid).toBe(`gcp:${NUMBER}/${id}/2`);
    expect(b64(material.primary.key)).toBe(k2);
    expect(material.decryptOnly.map((k) => k.kid)).toEqual([`gcp:${NUMBER}/${id}/1`]);
    expect(b64(material.decryptOnly[0]!.key)).toBe(k1);
    expect(callsSince(start)).toEqual(['AccessSecretVersion', 'AccessSecretVersion']);
    expect(fake.calls.slice(start).map((c) => c.request.name)).toEqual([
      `${name}/versions/latest`,
      `${name}/versions/1`,
    ]);
  });

  it('makes exactly one AccessSecretVersion call per load with previousVersions 0', async () => {
    const { name } = newSecret();
    fake.addSecretVersion(name, newKey());
    fake.addSecretVersion(name, newKey());
    const source = gcpSecretManagerKeySource({ secret: name, encoding: 'base64', client, previousVersions: 0 });
    const start = fake.calls.length;
    const material = await source.load();
    expect(callsSince(start)).toEqual(['AccessSecretVersion']);
    expect(material.decryptOnly).toEqual([]);
  });

  it('picks up a rotation on the next load: new primary and kid, the old key becomes decrypt-only', async () => {
    const { name, id } = newSecret();
    fake.addSecretVersion(name, newKey());
    const source = gcpSecretManagerKeySource({ secret: name, encoding: 'base64', client });
    const before = await source.load();
    expect(before.primary.kid).toBe(`gcp:${NUMBER}/${id}/1`);
    expect(before.decryptOnly).toEqual([]);
    const k2 = newKey();
    fake.addSecretVersion(name, k2);
    const after = await source.load();
    expect(after.primary.kid).toBe(`gcp:${NUMBER}/${id}/2`);
    expect(b64(after.primary.key)).toBe(k2);
    expect(after.decryptOnly).toEqual([before.primary]);
  });

  it('loads explicit versions (first primary, rest decrypt-only) and gives the same kids by project id or number', async () => {
    const { name, id } = newSecret();
    for (let i = 0; i < 5; i++) fake.addSecretVersion(name, newKey());
    const source = gcpSecretManagerKeySource({
      secret: name,
      versions: ['5', '4'],
      previousVersions: 0,
      encoding: 'base64',
      client,
    });
    const material = await source.load();
    expect(material.primary.kid).toBe(`gcp:${NUMBER}/${id}/5`);
    expect(material.decryptOnly.map((k) => k.kid)).toEqual([`gcp:${NUMBER}/${id}/4`]);
    const byNumber = await gcpSecretManagerKeySource({
      secret: `projects/${NUMBER}/secrets/${id}`,
      versions: ['5', '4'],
      previousVersions: 0,
      encoding: 'base64',
      client,
    }).load();
    expect(byNumber).toEqual(material);
  });

  it('sequential lookup skips a disabled older version; list lookup finds the newest enabled ones', async () => {
    const { name, id } = newSecret();
    for (let i = 0; i < 4; i++) fake.addSecretVersion(name, newKey());
    fake.setVersionState(`${name}/versions/3`, 'DISABLED');
    const sequential = await gcpSecretManagerKeySource({
      secret: name,
      encoding: 'base64',
      client,
      previousVersions: 2,
    }).load();
    expect(sequential.decryptOnly.map((k) => k.kid)).toEqual([`gcp:${NUMBER}/${id}/2`]);

    const start = fake.calls.length;
    const listed = await gcpSecretManagerKeySource({
      secret: name,
      encoding: 'base64',
      client,
      previousVersions: 2,
      previousVersionLookup: 'list',
    }).load();
    expect(listed.decryptOnly.map((k) => k.kid)).toEqual([`gcp:${NUMBER}/${id}/2`, `gcp:${NUMBER}/${id}/1`]);
    expect(callsSince(start)).toEqual([
      'AccessSecretVersion',
      'ListSecretVersions',
      'AccessSecretVersion',
      'AccessSecretVersion',
    ]);
    expect(fake.calls[start + 1]!.request.filter).toBe('state:ENABLED');
  });

  it('creates its own client from clientOptions when none is given, and close() releases it', async () => {
    const { name, id } = newSecret();
    fake.addSecretVersion(name, newKey());
    const source = gcpSecretManagerKeySource({
      secret: name,
      encoding: 'base64',
      clientOptions: {
        apiEndpoint: '127.0.0.1',
        port: fake.port,
        sslCreds: grpc.credentials.createInsecure(),
        universeDomain: 'googleapis.com',
      },
    });
    expect((await source.load()).primary.kid).toBe(`gcp:${NUMBER}/${id}/1`);
    await source.close?.();
  });

  it('PERMISSION_DENIED is a ConfigurationError naming roles/secretmanager.secretAccessor, without material', async () => {
    const { name } = newSecret();
    const key = newKey();
    fake.addSecretVersion(name, key);
    fake.deny(name);
    const error = await loadError(gcpSecretManagerKeySource({ secret: name, encoding: 'base64', client }));
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error.message).toContain(name);
    expect(error.message).toContain('roles/secretmanager.secretAccessor');
    expectNoMaterial(error, key);
  });

  it('a denied ListSecretVersions names the list permission', async () => {
    const { name } = newSecret();
    fake.addSecretVersion(name, newKey());
    fake.addSecretVersion(name, newKey());
    // The caller may access versions (roles/secretmanager.secretAccessor) but not list them.
    fake.deny(name, ['secretmanager.versions.list']);
    const error = await loadError(
      gcpSecretManagerKeySource({ secret: name, encoding: 'base64', client, previousVersionLookup: 'list' }),
    );
    expect(fake.calls.at(-1)?.method).toBe('ListSecretVersions');
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error.message).toContain('secretmanager.versions.list');
  });

  it('a missing secret is a ConfigurationError saying how to create it', async () => {
    const { name } = newSecret();
    const error = await loadError(gcpSecretManagerKeySource({ secret: name, encoding: 'base64', client }));
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error.message).toContain(`${name} version latest was not found`);
    expect(error.message).toContain('gcloud secrets create');
  });

  it('a disabled primary version is a ConfigurationError saying to enable it', async () => {
    const { name } = newSecret();
    fake.addSecretVersion(name, newKey());
    fake.setVersionState(`${name}/versions/1`, 'DISABLED');
    const error = await loadError(gcpSecretManagerKeySource({ secret: name, encoding: 'base64', client }));
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error.message).toContain('disabled or destroyed');
  });

  it('a 16-byte key, an empty payload and a wrong encoding are ConfigurationErrors without material', async () => {
    const short = newSecret();
    const shortKey = randomBytes(16).toString('base64');
    fake.addSecretVersion(short.name, shortKey);
    const e1 = await loadError(gcpSecretManagerKeySource({ secret: short.name, encoding: 'base64', client }));
    expect(e1).toBeInstanceOf(ConfigurationError);
    expect(e1.message).toContain('16 bytes');
    expect(e1.message).toContain(short.name);
    expectNoMaterial(e1, shortKey);

    const empty = newSecret();
    fake.addSecretVersion(empty.name, '');
    const e2 = await loadError(gcpSecretManagerKeySource({ secret: empty.name, encoding: 'base64', client }));
    expect(e2).toBeInstanceOf(ConfigurationError);
    expect(e2.message).toContain('is empty');

    const raw = newSecret();
    const text = `not hex ${newKey()}`;
    fake.addSecretVersion(raw.name, text);
    const e3 = await loadError(gcpSecretManagerKeySource({ secret: raw.name, encoding: 'hex', client }));
    expect(e3).toBeInstanceOf(ConfigurationError);
    expectNoMaterial(e3, text);
  });

  it('an unreachable endpoint is a StoreUnavailableError within the deadline', async () => {
    const probe: Server = createServer(() => {});
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as { port: number }).port;
    await new Promise((resolve) => probe.close(resolve));
    const gone = clientFor(port);
    try {
      const started = Date.now();
      const { name } = newSecret();
      const error = await loadError(
        gcpSecretManagerKeySource({ secret: name, encoding: 'base64', client: gone, timeoutMs: 500 }),
      );
      expect(error).toBeInstanceOf(StoreUnavailableError);
      expect(Date.now() - started).toBeLessThan(5_000);
    } finally {
      await gone.close();
    }
  });

  it('rejects bad options with ConfigurationErrors', () => {
    const bad = [
      { secret: 'my-secret' },
      { secret: `projects/${PROJECT}/secrets/s/versions/1` },
      { secret: `projects/${PROJECT}/secrets/s`, versions: [] },
      { secret: `projects/${PROJECT}/secrets/s`, versions: ['v1'] },
      { secret: `projects/${PROJECT}/secrets/s`, previousVersions: 1.5 },
    ];
    for (const options of bad) {
      expect(() => gcpSecretManagerKeySource({ ...options, encoding: 'base64', client })).toThrow(ConfigurationError);
    }
  });
});
