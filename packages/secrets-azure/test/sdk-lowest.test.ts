// The peer range is ^4.8.0; the other tests run the devDependency (4.12, the newest release). This file runs the key
// source's paths with the lowest version of the range, installed under an npm alias and substituted for the peer by a
// resolve hook in a child process (fixtures/sdk-child.ts says why a child), and, as a control, with the
// devDependency through the same child. Against the Key Vault FAKE (HTTPS, challenge-based auth, on loopback).
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { tsxChildOptions } from '@oauth-store/contract-tests';
import { type FakeKeyVault, startFakeKeyVault } from '@oauth-store/test-servers/fakes';

const run = promisify(execFile);
const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));
const child = tsxChildOptions({ tsconfig: here('../tsconfig.child.json') });

let fake: FakeKeyVault;
let silent: Server;
const sockets: Socket[] = [];
beforeAll(async () => {
  fake = await startFakeKeyVault();
  // Accepts connections and never answers: the timeout path.
  silent = createServer((socket) => {
    sockets.push(socket);
  });
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
});
afterAll(async () => {
  for (const socket of sockets) socket.destroy();
  await new Promise((resolve) => silent?.close(resolve));
  await fake?.close();
});

let counter = 0;
const newName = () => `sdk-${process.pid}-${++counter}`;
const newKey = () => randomBytes(32).toString('base64');

describe.each([
  ['4.8.0, the lowest of the range', [here('./fixtures/register-lowest-sdk.mjs')], /keyvault-secrets@4\.8\.0\//],
  ['the devDependency (newest)', [], /keyvault-secrets@4\.(1[2-9]|[2-9]\d)\.\d+\//],
] as const)('@azure/keyvault-secrets %s', (_label, imports, peer) => {
  it('loads, builds its own client, and maps denied, wrong token, missing and silent to typed errors', async () => {
    const secrets = {
      rotated: newName(),
      ownClient: newName(),
      denied: newName(),
      wrongToken: newName(),
      missing: newName(),
    };
    const v1 = fake.setSecret(secrets.rotated, newKey());
    const v2 = fake.setSecret(secrets.rotated, newKey());
    const own = fake.setSecret(secrets.ownClient, newKey());
    fake.setSecret(secrets.denied, newKey());
    fake.deny(secrets.denied, ['get']);
    fake.setSecret(secrets.wrongToken, newKey());
    const input = {
      vaultUrl: fake.vaultUrl,
      token: fake.token,
      ca: fake.ca,
      secrets,
      silentPort: (silent.address() as { port: number }).port,
    };
    const { stdout } = await run(
      process.execPath,
      [
        ...(child.execArgv ?? []),
        ...imports.flatMap((file) => ['--import', file]),
        here('./fixtures/sdk-child.ts'),
        JSON.stringify(input),
      ],
      { env: { ...process.env, ...child.env }, timeout: 60_000 },
    );
    const report = JSON.parse(stdout);
    expect(fileURLToPath(report.peer)).toMatch(peer);
    expect(report.rotated).toEqual({ kids: [`azure:${secrets.rotated}/${v2}`, `azure:${secrets.rotated}/${v1}`] });
    expect(report.ownClient).toEqual({ kids: [`azure:${secrets.ownClient}/${own}`] });
    expect(report.denied).toEqual({
      error: 'ConfigurationError',
      message: expect.stringContaining('"get" permission'),
    });
    expect(report.wrongToken).toEqual({ error: 'ConfigurationError', message: expect.stringContaining('credentials') });
    expect(report.missing).toEqual({ error: 'ConfigurationError', message: expect.stringContaining('was not found') });
    expect(report.silent).toEqual({ error: 'StoreUnavailableError', message: expect.stringContaining('in time') });
  }, 90_000);
});
