import { randomBytes } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ConfigurationError, type KeySource, StoreUnavailableError } from '@oauth-store/core';
import { type FakeVault, startFakeVault } from '@oauth-store/test-servers/fakes';
import { vaultKvKeySource } from '../src/index';

// Runs against the Vault KV v2 FAKE (wire-level, over HTTP on loopback), not a real Vault: none installs offline.

const ROOT = 'root-token-for-tests';
let vault: FakeVault;

beforeAll(async () => {
  vault = await startFakeVault({ rootToken: ROOT });
});
afterAll(async () => {
  await vault?.close();
});

function newKey(): string {
  return randomBytes(32).toString('base64');
}

let counter = 0;
function newPath(): string {
  counter += 1;
  return `oauth-store/kek-${process.pid}-${counter}`;
}

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

describe('vaultKvKeySource against the Vault KV v2 fake', () => {
  it('loads the current version as primary and the previous one as decrypt-only, with version kids', async () => {
    const path = newPath();
    const k1 = newKey();
    const k2 = newKey();
    vault.put('secret', path, { key: k1 });
    vault.put('secret', path, { key: k2 });
    const source = vaultKvKeySource({ address: vault.address, token: ROOT, path, encoding: 'base64' });
    const material = await source.load();
    expect(material.primary.kid).toBe(`vault:secret/${path}@2`);
    expect(Buffer.from(material.primary.key).toString('base64')).toBe(k2);
    expect(material.decryptOnly.map((k) => k.kid)).toEqual([`vault:secret/${path}@1`]);
    expect(Buffer.from(material.decryptOnly[0]!.key).toString('base64')).toBe(k1);
    expect(source.description).toBe(`vault kv secret/${path}`);
  });

  it('picks up a rotation on the next load: new primary and kid, the old key becomes decrypt-only', async () => {
    const path = newPath();
    const k1 = newKey();
    vault.put('secret', path, { key: k1 });
    const source = vaultKvKeySource({ address: vault.address, token: ROOT, path, encoding: 'base64' });
    const before = await source.load();
    expect(before.primary.kid).toBe(`vault:secret/${path}@1`);
    expect(before.decryptOnly).toEqual([]);

    const k2 = newKey();
    vault.put('secret', path, { key: k2 });
    const after = await source.load();
    expect(after.primary.kid).toBe(`vault:secret/${path}@2`);
    expect(Buffer.from(after.primary.key).toString('base64')).toBe(k2);
    expect(after.decryptOnly).toEqual([before.primary]);
  });

  it('makes exactly one request per load with previousVersions 0, and 1 + N with N', async () => {
    const path = newPath();
    for (let i = 0; i < 4; i++) vault.put('secret', path, { key: newKey() });
    const only = vaultKvKeySource({
      address: vault.address,
      token: ROOT,
      path,
      encoding: 'base64',
      previousVersions: 0,
    });
    let before = vault.requests.length;
    const material = await only.load();
    expect(vault.requests.length - before).toBe(1);
    expect(material.decryptOnly).toEqual([]);

    const three = vaultKvKeySource({
      address: vault.address,
      token: ROOT,
      path,
      encoding: 'base64',
      previousVersions: 3,
    });
    before = vault.requests.length;
    const all = await three.load();
    expect(vault.requests.length - before).toBe(4);
    expect(all.decryptOnly.map((k) => k.kid)).toEqual([3, 2, 1].map((v) => `vault:secret/${path}@${v}`));
  });

  it('skips a deleted previous version', async () => {
    const path = newPath();
    for (let i = 0; i < 3; i++) vault.put('secret', path, { key: newKey() });
    vault.deleteVersion('secret', path, 2);
    const source = vaultKvKeySource({
      address: vault.address,
      token: ROOT,
      path,
      encoding: 'base64',
      previousVersions: 2,
    });
    const material = await source.load();
    expect(material.primary.kid).toBe(`vault:secret/${path}@3`);
    expect(material.decryptOnly.map((k) => k.kid)).toEqual([`vault:secret/${path}@1`]);
  });

  it('reads a custom mount, field and namespace, sending X-Vault-Namespace', async () => {
    const path = newPath();
    const key = newKey();
    vault.addToken('ns-token', { namespace: 'team-a', paths: [`kv/data/${path}`] });
    vault.put('kv', path, { kek: key }, 'team-a');
    const source = vaultKvKeySource({
      address: vault.address,
      token: 'ns-token',
      mount: 'kv',
      path,
      field: 'kek',
      namespace: 'team-a',
      encoding: 'base64',
    });
    const material = await source.load();
    expect(material.primary.kid).toBe(`vault:kv/${path}@1`);
    expect(vault.requests.at(-1)?.namespace).toBe('team-a');
  });

  it('asks the tokenProvider on every load', async () => {
    const path = newPath();
    vault.put('secret', path, { key: newKey() });
    let calls = 0;
    const source = vaultKvKeySource({
      address: vault.address,
      tokenProvider: async () => {
        calls += 1;
        return ROOT;
      },
      path,
      encoding: 'base64',
    });
    await source.load();
    await source.load();
    expect(calls).toBe(2);
  });

  it('permission denied is a ConfigurationError naming the policy capability, without the token or key', async () => {
    const path = newPath();
    const key = newKey();
    vault.put('secret', path, { key });
    vault.addToken('narrow-token', { paths: ['secret/data/something-else'] });
    const error = await loadError(
      vaultKvKeySource({ address: vault.address, token: 'narrow-token', path, encoding: 'base64' }),
    );
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error.message).toContain(`secret/${path}`);
    expect(error.message).toContain(`path "secret/data/${path}" { capabilities = ["read"] }`);
    expectNoMaterial(error, key, 'narrow-token');
  });

  it('a missing secret is a ConfigurationError saying how to create it', async () => {
    const path = newPath();
    const error = await loadError(vaultKvKeySource({ address: vault.address, token: ROOT, path, encoding: 'base64' }));
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error.message).toContain('was not found');
    expect(error.message).toContain(`vault kv put -mount=secret ${path} key=`);
  });

  it('a missing field, an empty value and a 16-byte key are ConfigurationErrors without the material', async () => {
    const noField = newPath();
    vault.put('secret', noField, { other: newKey() });
    const e1 = await loadError(
      vaultKvKeySource({ address: vault.address, token: ROOT, path: noField, encoding: 'base64' }),
    );
    expect(e1).toBeInstanceOf(ConfigurationError);
    expect(e1.message).toContain('has no string field "key"');

    const empty = newPath();
    vault.put('secret', empty, { key: '' });
    const e2 = await loadError(
      vaultKvKeySource({ address: vault.address, token: ROOT, path: empty, encoding: 'base64' }),
    );
    expect(e2).toBeInstanceOf(ConfigurationError);
    expect(e2.message).toContain('is empty');

    const short = newPath();
    const shortKey = randomBytes(16).toString('base64');
    vault.put('secret', short, { key: shortKey });
    const e3 = await loadError(
      vaultKvKeySource({ address: vault.address, token: ROOT, path: short, encoding: 'base64' }),
    );
    expect(e3).toBeInstanceOf(ConfigurationError);
    expect(e3.message).toContain('16 bytes');
    expect(e3.message).toContain(`secret/${short}`);
    expectNoMaterial(e3, shortKey, ROOT);

    const notHex = newPath();
    const secret = `not-hex-${newKey()}`;
    vault.put('secret', notHex, { key: secret });
    const e4 = await loadError(
      vaultKvKeySource({ address: vault.address, token: ROOT, path: notHex, encoding: 'hex' }),
    );
    expect(e4).toBeInstanceOf(ConfigurationError);
    expectNoMaterial(e4, secret, ROOT);
  });

  it('a sealed Vault is a StoreUnavailableError', async () => {
    const path = newPath();
    vault.put('secret', path, { key: newKey() });
    vault.setSealed(true);
    try {
      const error = await loadError(
        vaultKvKeySource({ address: vault.address, token: ROOT, path, encoding: 'base64' }),
      );
      expect(error).toBeInstanceOf(StoreUnavailableError);
      expect(error.message).toContain('HTTP 503');
      expect(error.message).toContain('Vault is sealed');
    } finally {
      vault.setSealed(false);
    }
  });

  it('a Vault that does not answer in time is a StoreUnavailableError', async () => {
    // A TCP server that accepts and never answers: the request must give up at timeoutMs.
    const sockets: Socket[] = [];
    const silent: Server = createServer((socket) => {
      sockets.push(socket);
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as { port: number }).port;
    try {
      const started = Date.now();
      const error = await loadError(
        vaultKvKeySource({
          address: `http://127.0.0.1:${port}`,
          token: ROOT,
          path: 'x',
          encoding: 'base64',
          timeoutMs: 200,
        }),
      );
      expect(error).toBeInstanceOf(StoreUnavailableError);
      expect(error.message).toContain('within 200 ms');
      expect(Date.now() - started).toBeLessThan(5_000);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });

  it('a closed port is a StoreUnavailableError', async () => {
    const silent: Server = createServer(() => {});
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as { port: number }).port;
    await new Promise((resolve) => silent.close(resolve));
    const error = await loadError(
      vaultKvKeySource({ address: `http://127.0.0.1:${port}`, token: ROOT, path: 'x', encoding: 'base64' }),
    );
    expect(error).toBeInstanceOf(StoreUnavailableError);
    expectNoMaterial(error, ROOT);
  });

  it('rejects bad options with ConfigurationErrors', () => {
    expect(() =>
      vaultKvKeySource({ address: 'http://vault.example.com:8200', token: ROOT, path: 'p', encoding: 'base64' }),
    ).toThrow(/plain http to a non-loopback host/);
    expect(() => vaultKvKeySource({ address: 'not a url', token: ROOT, path: 'p', encoding: 'base64' })).toThrow(
      ConfigurationError,
    );
    expect(() => vaultKvKeySource({ address: vault.address, path: 'p', encoding: 'base64' })).toThrow(/exactly one of/);
    expect(() => vaultKvKeySource({ address: vault.address, token: ROOT, path: '/', encoding: 'base64' })).toThrow(
      /`path` is required/,
    );
    expect(() =>
      vaultKvKeySource({ address: vault.address, token: ROOT, path: 'p', encoding: 'base64', previousVersions: -1 }),
    ).toThrow(/previousVersions/);
    expect(() =>
      vaultKvKeySource({
        address: 'http://vault.example.com:8200',
        token: ROOT,
        path: 'p',
        encoding: 'base64',
        allowInsecureHttp: true,
      }),
    ).not.toThrow();
  });
});
