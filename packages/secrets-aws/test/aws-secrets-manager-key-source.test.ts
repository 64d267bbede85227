import { randomBytes } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ConfigurationError, type KeySource, StoreUnavailableError } from '@oauth-store/core';
import { type FakeSecretsManager, startFakeSecretsManager } from '@oauth-store/test-servers/fakes';
import { awsSecretsManagerKeySource } from '../src/index';

// Runs the real AWS SDK v3 client against the Secrets Manager FAKE (wire-level awsJson1_1 on loopback HTTP), not AWS.

let fake: FakeSecretsManager;
let client: SecretsManagerClient;

function clientFor(accessKeyId: string, endpoint = fake.endpoint): SecretsManagerClient {
  return new SecretsManagerClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId, secretAccessKey: 'fake-secret-access-key' },
    maxAttempts: 1,
  });
}

beforeAll(async () => {
  fake = await startFakeSecretsManager({ accessKeyId: 'AKIDFAKE' });
  client = clientFor('AKIDFAKE');
});
afterAll(async () => {
  client?.destroy();
  await fake?.close();
});

let counter = 0;
function newName(): string {
  counter += 1;
  return `oauth-store/kek-${process.pid}-${counter}`;
}
const newKey = () => randomBytes(32).toString('base64');

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

describe('awsSecretsManagerKeySource against the Secrets Manager fake', () => {
  it('loads AWSCURRENT as primary and AWSPREVIOUS as decrypt-only, kids from the VersionId', async () => {
    const name = newName();
    const k1 = newKey();
    const k2 = newKey();
    const v1 = fake.putSecretValue(name, { secretString: k1 });
    const v2 = fake.putSecretValue(name, { secretString: k2 });
    const source = awsSecretsManagerKeySource({ secretId: name, encoding: 'base64', client });
    const material = await source.load();
    expect(material.primary.kid).toBe(`aws:${name}@${v2}`);
    expect(Buffer.from(material.primary.key).toString('base64')).toBe(k2);
    expect(material.decryptOnly.map((k) => k.kid)).toEqual([`aws:${name}@${v1}`]);
    expect(Buffer.from(material.decryptOnly[0]!.key).toString('base64')).toBe(k1);
    expect(fake.requests.at(-2)?.body).toEqual({ SecretId: name, VersionStage: 'AWSCURRENT' });
    expect(fake.requests.at(-1)?.body).toEqual({ SecretId: name, VersionStage: 'AWSPREVIOUS' });
  });

  it('a secret never rotated (no AWSPREVIOUS) loads with no decrypt-only key', async () => {
    const name = newName();
    fake.putSecretValue(name, { secretString: newKey() });
    const material = await awsSecretsManagerKeySource({ secretId: name, encoding: 'base64', client }).load();
    expect(material.decryptOnly).toEqual([]);
  });

  it('picks up a rotation on the next load: new primary and kid, the old key becomes decrypt-only', async () => {
    const name = newName();
    fake.putSecretValue(name, { secretString: newKey() });
    const source = awsSecretsManagerKeySource({ secretId: name, encoding: 'base64', client });
    const before = await source.load();
    const k2 = newKey();
    const v2 = fake.rotate(name, { secretString: k2 });
    const after = await source.load();
    expect(after.primary.kid).toBe(`aws:${name}@${v2}`);
    expect(after.primary.kid).not.toBe(before.primary.kid);
    expect(Buffer.from(after.primary.key).toString('base64')).toBe(k2);
    expect(after.decryptOnly).toEqual([before.primary]);
  });

  it('makes exactly one GetSecretValue call per load without includePrevious, two with it', async () => {
    const name = newName();
    fake.putSecretValue(name, { secretString: newKey() });
    fake.putSecretValue(name, { secretString: newKey() });
    let before = fake.requests.length;
    await awsSecretsManagerKeySource({ secretId: name, encoding: 'base64', client, includePrevious: false }).load();
    expect(fake.requests.length - before).toBe(1);
    before = fake.requests.length;
    await awsSecretsManagerKeySource({ secretId: name, encoding: 'base64', client }).load();
    expect(fake.requests.length - before).toBe(2);
    expect(fake.requests.slice(before).every((r) => r.target === 'secretsmanager.GetSecretValue')).toBe(true);
  });

  it('reads SecretBinary (raw bytes), a JSON SecretString by jsonKey, and the secret by ARN', async () => {
    const binary = newName();
    const bytes = randomBytes(32);
    fake.putSecretValue(binary, { secretBinary: bytes });
    const m1 = await awsSecretsManagerKeySource({ secretId: binary, encoding: 'raw', client }).load();
    expect(Buffer.from(m1.primary.key).equals(bytes)).toBe(true);

    const json = newName();
    const key = newKey();
    fake.putSecretValue(json, { secretString: JSON.stringify({ kek: key, other: 'x' }) });
    const m2 = await awsSecretsManagerKeySource({ secretId: json, encoding: 'base64', jsonKey: 'kek', client }).load();
    expect(Buffer.from(m2.primary.key).toString('base64')).toBe(key);

    // By ARN: the kid uses the Name Secrets Manager returns, so it does not depend on how the secret is named.
    const { ARN } = await client.send(new GetSecretValueCommand({ SecretId: json }));
    expect(ARN).toMatch(/^arn:aws:secretsmanager:us-east-1:\d{12}:secret:/);
    const m3 = await awsSecretsManagerKeySource({ secretId: ARN!, encoding: 'base64', client, jsonKey: 'kek' }).load();
    expect(fake.requests.at(-1)?.body.SecretId).toBe(ARN);
    expect(m3.primary.kid).toBe(m2.primary.kid);
  });

  it('creates its own client from clientConfig when none is given, and close() releases it', async () => {
    const name = newName();
    fake.putSecretValue(name, { secretString: newKey() });
    const source = awsSecretsManagerKeySource({
      secretId: name,
      encoding: 'base64',
      clientConfig: {
        endpoint: fake.endpoint,
        region: 'us-east-1',
        credentials: { accessKeyId: 'AKIDFAKE', secretAccessKey: 'x' },
        maxAttempts: 1,
      },
    });
    const material = await source.load();
    expect(material.primary.kid.startsWith(`aws:${name}@`)).toBe(true);
    await source.close?.();
  });

  it('AccessDeniedException is a ConfigurationError naming secretsmanager:GetSecretValue, without material', async () => {
    const name = newName();
    const key = newKey();
    fake.putSecretValue(name, { secretString: key });
    fake.addAccessKey('AKIDNARROW', { secrets: ['something-else'] });
    const narrow = clientFor('AKIDNARROW');
    try {
      const error = await loadError(awsSecretsManagerKeySource({ secretId: name, encoding: 'base64', client: narrow }));
      expect(error).toBeInstanceOf(ConfigurationError);
      expect(error.message).toContain(name);
      expect(error.message).toContain('secretsmanager:GetSecretValue');
      expectNoMaterial(error, key, 'fake-secret-access-key');
    } finally {
      narrow.destroy();
    }
  });

  it('unknown credentials are a ConfigurationError about the credentials', async () => {
    const name = newName();
    fake.putSecretValue(name, { secretString: newKey() });
    const stranger = clientFor('AKIDUNKNOWN');
    try {
      const error = await loadError(
        awsSecretsManagerKeySource({ secretId: name, encoding: 'base64', client: stranger }),
      );
      expect(error).toBeInstanceOf(ConfigurationError);
      expect(error.message).toContain('rejected the credentials');
    } finally {
      stranger.destroy();
    }
  });

  it('a missing secret is a ConfigurationError saying how to create it', async () => {
    const name = newName();
    const error = await loadError(awsSecretsManagerKeySource({ secretId: name, encoding: 'base64', client }));
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error.message).toContain(`${name} was not found`);
    expect(error.message).toContain('aws secretsmanager create-secret');
  });

  it('a secret scheduled for deletion is a ConfigurationError saying how to restore it', async () => {
    const name = newName();
    fake.putSecretValue(name, { secretString: newKey() });
    fake.scheduleDeletion(name);
    const error = await loadError(awsSecretsManagerKeySource({ secretId: name, encoding: 'base64', client }));
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error.message).toContain('restore-secret');
  });

  it('a 16-byte key, an empty JSON property and a wrong encoding are ConfigurationErrors without material', async () => {
    const short = newName();
    const shortKey = randomBytes(16).toString('base64');
    fake.putSecretValue(short, { secretString: shortKey });
    const e1 = await loadError(awsSecretsManagerKeySource({ secretId: short, encoding: 'base64', client }));
    expect(e1).toBeInstanceOf(ConfigurationError);
    expect(e1.message).toContain('16 bytes');
    expect(e1.message).toContain(short);
    expectNoMaterial(e1, shortKey);

    const json = newName();
    const other = newKey();
    fake.putSecretValue(json, { secretString: JSON.stringify({ other }) });
    const e2 = await loadError(
      awsSecretsManagerKeySource({ secretId: json, encoding: 'base64', jsonKey: 'kek', client }),
    );
    expect(e2).toBeInstanceOf(ConfigurationError);
    expect(e2.message).toContain('no string property "kek"');
    expectNoMaterial(e2, other);

    const hex = newName();
    const notHex = `zz${newKey()}`;
    fake.putSecretValue(hex, { secretString: notHex });
    const e3 = await loadError(awsSecretsManagerKeySource({ secretId: hex, encoding: 'hex', client }));
    expect(e3).toBeInstanceOf(ConfigurationError);
    expectNoMaterial(e3, notHex);

    const empty = newName();
    fake.putSecretValue(empty, { secretString: '  ' });
    const e4 = await loadError(awsSecretsManagerKeySource({ secretId: empty, encoding: 'base64', client }));
    expect(e4).toBeInstanceOf(ConfigurationError);
    expect(e4.message).toContain('is empty');
  });

  it('an endpoint that does not answer in time is a StoreUnavailableError', async () => {
    const sockets: Socket[] = [];
    const silent: Server = createServer((socket) => {
      sockets.push(socket);
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as { port: number }).port;
    const slow = clientFor('AKIDFAKE', `http://127.0.0.1:${port}`);
    try {
      const error = await loadError(
        awsSecretsManagerKeySource({ secretId: 'x', encoding: 'base64', client: slow, timeoutMs: 200 }),
      );
      expect(error).toBeInstanceOf(StoreUnavailableError);
      expect(error.message).toContain('did not answer');
    } finally {
      slow.destroy();
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });

  it('a closed port is a StoreUnavailableError', async () => {
    const probe: Server = createServer(() => {});
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as { port: number }).port;
    await new Promise((resolve) => probe.close(resolve));
    const gone = clientFor('AKIDFAKE', `http://127.0.0.1:${port}`);
    try {
      const error = await loadError(awsSecretsManagerKeySource({ secretId: 'x', encoding: 'base64', client: gone }));
      expect(error).toBeInstanceOf(StoreUnavailableError);
    } finally {
      gone.destroy();
    }
  });

  it('rejects a missing secretId', () => {
    expect(() => awsSecretsManagerKeySource({ secretId: ' ', encoding: 'base64', client })).toThrow(ConfigurationError);
  });
});
