import { randomBytes } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';
import type { AccessToken, TokenCredential } from '@azure/core-auth';
import { SecretClient, type SecretClientOptions } from '@azure/keyvault-secrets';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ConfigurationError, type KeySource, StoreUnavailableError } from '@oauth-store/core';
import { type FakeKeyVault, startFakeKeyVault } from '@oauth-store/test-servers/fakes';
import { azureKeyVaultKeySource } from '../src/index';

// Runs the real @azure/keyvault-secrets client (its challenge-based auth, over HTTPS) against the Key Vault FAKE on
// loopback, not Azure.

let fake: FakeKeyVault;
let client: SecretClient;
const scopes: string[] = [];

/** A TokenCredential handing out the fake's token (what DefaultAzureCredential does against Entra ID). */
function credentialFor(token: string): TokenCredential {
  return {
    async getToken(scope): Promise<AccessToken> {
      scopes.push(...(Array.isArray(scope) ? scope : [scope]));
      return { token, expiresOnTimestamp: Date.now() + 3_600_000 };
    },
  };
}

/**
 * Client options for the fake: trust its throwaway certificate, and skip the check that the challenge's resource
 * (vault.azure.net) is a parent domain of the vault host (127.0.0.1 cannot be). No retries, to count calls exactly.
 */
function clientOptions(): SecretClientOptions {
  return { disableChallengeResourceVerification: true, tlsOptions: { ca: fake.ca }, retryOptions: { maxRetries: 0 } };
}

beforeAll(async () => {
  fake = await startFakeKeyVault();
  client = new SecretClient(fake.vaultUrl, credentialFor(fake.token), clientOptions());
});
afterAll(async () => {
  await fake?.close();
});

let counter = 0;
function newName(): string {
  counter += 1;
  return `kek-${process.pid}-${counter}`;
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

describe('azureKeyVaultKeySource against the Key Vault fake', () => {
  it('loads the current version as primary and the previous one as decrypt-only, kids from the version ids', async () => {
    const name = newName();
    const k1 = newKey();
    const k2 = newKey();
    const v1 = fake.setSecret(name, k1);
    const v2 = fake.setSecret(name, k2);
    const material = await azureKeyVaultKeySource({ name, encoding: 'base64', client }).load();
    expect(material.primary.kid).toBe(`azure:${name}/${v2}`);
    expect(b64(material.primary.key)).toBe(k2);
    expect(material.decryptOnly.map((k) => k.kid)).toEqual([`azure:${name}/${v1}`]);
    expect(b64(material.decryptOnly[0]!.key)).toBe(k1);
    expect(scopes).toContain('https://vault.azure.net/.default');
  });

  it('picks up a rotation on the next load: new primary and kid, the old key becomes decrypt-only', async () => {
    const name = newName();
    fake.setSecret(name, newKey());
    const source = azureKeyVaultKeySource({ name, encoding: 'base64', client });
    const before = await source.load();
    expect(before.decryptOnly).toEqual([]);
    const k2 = newKey();
    const v2 = fake.setSecret(name, k2);
    const after = await source.load();
    expect(after.primary.kid).toBe(`azure:${name}/${v2}`);
    expect(b64(after.primary.key)).toBe(k2);
    expect(after.decryptOnly).toEqual([before.primary]);
  });

  it('makes exactly one request per load with previousVersions 0; list + get per older version otherwise', async () => {
    const name = newName();
    const versions = [1, 2, 3, 4].map(() => fake.setSecret(name, newKey()));
    // The shared client has passed the challenge already, so each call is one request.
    let before = fake.requests.length;
    await azureKeyVaultKeySource({ name, encoding: 'base64', client, previousVersions: 0 }).load();
    expect(fake.requests.length - before).toBe(1);

    fake.setEnabled(name, versions[2]!, false);
    before = fake.requests.length;
    const material = await azureKeyVaultKeySource({ name, encoding: 'base64', client, previousVersions: 2 }).load();
    // Version 3 is disabled, so the two newest enabled older versions are 2 and 1, newest first.
    expect(material.decryptOnly.map((k) => k.kid)).toEqual([
      `azure:${name}/${versions[1]}`,
      `azure:${name}/${versions[0]}`,
    ]);
    expect(fake.requests.slice(before).map((r) => r.path)).toEqual([
      `/secrets/${name}/`,
      `/secrets/${name}/versions`,
      `/secrets/${name}/${versions[1]}`,
      `/secrets/${name}/${versions[0]}`,
    ]);
  });

  it('pins a version as primary', async () => {
    const name = newName();
    const v1 = fake.setSecret(name, newKey());
    fake.setSecret(name, newKey());
    const material = await azureKeyVaultKeySource({ name, version: v1, encoding: 'base64', client }).load();
    expect(material.primary.kid).toBe(`azure:${name}/${v1}`);
    expect(material.decryptOnly).toEqual([]);
  });

  it('creates its own client from vaultUrl and credential, going through the 401 challenge first', async () => {
    const name = newName();
    fake.setSecret(name, newKey());
    const before = fake.requests.length;
    const source = azureKeyVaultKeySource({
      vaultUrl: fake.vaultUrl,
      name,
      encoding: 'base64',
      credential: credentialFor(fake.token),
      clientOptions: clientOptions(),
      previousVersions: 0,
    });
    await source.load();
    expect(fake.requests.slice(before).map((r) => r.auth)).toEqual(['none', 'valid']);
    expect(source.description).toBe(`azure-key-vault ${fake.vaultUrl} secret ${name}`);
  });

  it('a forbidden get is a ConfigurationError naming the get permission, without material', async () => {
    const name = newName();
    const key = newKey();
    fake.setSecret(name, key);
    fake.deny(name, ['get']);
    const error = await loadError(azureKeyVaultKeySource({ name, encoding: 'base64', client }));
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error.message).toContain(`secret ${name}`);
    expect(error.message).toContain('Key Vault Secrets User');
    expect(error.message).toContain('"get" permission');
    expectNoMaterial(error, key, fake.token);
  });

  it('a forbidden version listing names the list permission and the previousVersions: 0 way out', async () => {
    const name = newName();
    fake.setSecret(name, newKey());
    fake.deny(name, ['list']);
    const error = await loadError(azureKeyVaultKeySource({ name, encoding: 'base64', client }));
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error.message).toContain('"list" permission');
    expect(error.message).toContain('previousVersions: 0');
  });

  it('a wrong token is a ConfigurationError about the credentials', async () => {
    const name = newName();
    fake.setSecret(name, newKey());
    const wrong = new SecretClient(fake.vaultUrl, credentialFor('not-the-token'), clientOptions());
    const error = await loadError(azureKeyVaultKeySource({ name, encoding: 'base64', client: wrong }));
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error.message).toContain('credentials');
    expectNoMaterial(error, 'not-the-token');
  });

  it('a missing secret is a ConfigurationError saying how to create it', async () => {
    const name = newName();
    const error = await loadError(azureKeyVaultKeySource({ name, encoding: 'base64', client }));
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error.message).toContain('was not found');
    expect(error.message).toContain('az keyvault secret set');
  });

  it('a disabled current version is a ConfigurationError saying to enable it', async () => {
    const name = newName();
    const v1 = fake.setSecret(name, newKey());
    fake.setEnabled(name, v1, false);
    const error = await loadError(azureKeyVaultKeySource({ name, encoding: 'base64', client }));
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error.message).toContain('is disabled');
  });

  it('a 16-byte key, an empty value and a wrong encoding are ConfigurationErrors without material', async () => {
    const short = newName();
    const shortKey = randomBytes(16).toString('base64');
    fake.setSecret(short, shortKey);
    const e1 = await loadError(azureKeyVaultKeySource({ name: short, encoding: 'base64', client }));
    expect(e1).toBeInstanceOf(ConfigurationError);
    expect(e1.message).toContain('16 bytes');
    expect(e1.message).toContain(short);
    expectNoMaterial(e1, shortKey);

    const empty = newName();
    fake.setSecret(empty, ' ');
    const e2 = await loadError(azureKeyVaultKeySource({ name: empty, encoding: 'base64', client }));
    expect(e2).toBeInstanceOf(ConfigurationError);
    expect(e2.message).toContain('is empty');

    const text = newName();
    const notHex = `xyz-${newKey()}`;
    fake.setSecret(text, notHex);
    const e3 = await loadError(azureKeyVaultKeySource({ name: text, encoding: 'hex', client }));
    expect(e3).toBeInstanceOf(ConfigurationError);
    expectNoMaterial(e3, notHex);
  });

  it('a vault that does not answer in time is a StoreUnavailableError', async () => {
    const sockets: Socket[] = [];
    const silent: Server = createServer((socket) => {
      sockets.push(socket);
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as { port: number }).port;
    const slow = new SecretClient(`https://127.0.0.1:${port}`, credentialFor(fake.token), clientOptions());
    try {
      const error = await loadError(
        azureKeyVaultKeySource({ name: 'kek', encoding: 'base64', client: slow, timeoutMs: 300 }),
      );
      expect(error).toBeInstanceOf(StoreUnavailableError);
      expect(error.message).toContain('in time');
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });

  it('rejects bad options with ConfigurationErrors', () => {
    const credential = credentialFor('t');
    expect(() => azureKeyVaultKeySource({ name: 'bad_name', encoding: 'base64', client })).toThrow(ConfigurationError);
    expect(() =>
      azureKeyVaultKeySource({ vaultUrl: 'http://v.vault.azure.net', name: 'k', encoding: 'base64', credential }),
    ).toThrow(/https URL/);
    expect(() =>
      azureKeyVaultKeySource({ vaultUrl: 'https://v.vault.azure.net', name: 'k', encoding: 'base64' }),
    ).toThrow(/credential/);
    expect(() => azureKeyVaultKeySource({ name: 'k', encoding: 'base64', client, previousVersions: -1 })).toThrow(
      /previousVersions/,
    );
  });
});
