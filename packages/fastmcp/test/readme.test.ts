// The README's example is this fixture file, verbatim (checked here), and it runs: two instances built by it share
// one login flow, each step on the other instance, in front of a real oidc-provider.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createServer, type ServerConfig } from './fixtures/readme-server';
import { approve, authorize, pkce, register, tokenRequest, transactionIdOf, upstreamCallback } from './support/flow';
import { freePort, type Instance, via } from './support/instances';
import { redisUrl } from './support/stores';
import { type Idp, startIdp, UPSTREAM_CLIENT } from './support/upstream-idp';

const here = dirname(fileURLToPath(import.meta.url));
const FIXTURE = 'test/fixtures/readme-server.ts';

describe('README', () => {
  it(`shows ${FIXTURE} verbatim`, () => {
    const readme = readFileSync(join(here, '..', 'README.md'), 'utf8');
    const marker = `<!-- example: ${FIXTURE} -->`;
    const start = readme.indexOf(marker);
    expect(start).toBeGreaterThanOrEqual(0);
    const block = /```ts\n([\s\S]*?)```/.exec(readme.slice(start))?.[1];
    expect(block).toBe(readFileSync(join(here, '..', FIXTURE), 'utf8'));
  });
});

describe('README example: two instances', () => {
  const saved = { kek: process.env.OAUTH_STORE_KEK, hash: process.env.OAUTH_STORE_HASH_KEY };
  let idp: Idp;
  const instances: Instance[] = [];
  let config: ServerConfig;

  beforeAll(async () => {
    process.env.OAUTH_STORE_KEK = randomBytes(32).toString('base64');
    process.env.OAUTH_STORE_HASH_KEY = randomBytes(32).toString('base64');
    const publicUrl = `http://127.0.0.1:${await freePort()}`;
    idp = await startIdp([`${publicUrl}/oauth/callback`]);
    config = {
      redisUrl: redisUrl(),
      publicUrl,
      upstream: {
        authorizationEndpoint: idp.authorizationEndpoint,
        tokenEndpoint: idp.tokenEndpoint,
        clientId: UPSTREAM_CLIENT.id,
        clientSecret: UPSTREAM_CLIENT.secret,
      },
      jwtSigningKey: randomBytes(32).toString('hex'),
      consentSigningKey: randomBytes(32).toString('hex'),
    };
    for (let i = 0; i < 2; i++) {
      const { server, proxy, close } = await createServer(config);
      const port = await freePort();
      // The example keeps fastmcp's default logger (console); keep its start-up lines out of the test output.
      const info = console.info;
      console.info = () => {};
      try {
        await server.start({ transportType: 'httpStream', httpStream: { port, host: '127.0.0.1' } });
      } finally {
        console.info = info;
      }
      instances.push({ origin: `http://127.0.0.1:${port}`, server, proxy, stop: close });
    }
  });
  afterAll(async () => {
    await Promise.all(instances.map((instance) => instance.stop()));
    await idp?.close();
    for (const [name, value] of [
      ['OAUTH_STORE_KEK', saved.kek],
      ['OAUTH_STORE_HASH_KEY', saved.hash],
    ] as const) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  });

  it('completes a login across both instances and refuses the replayed code', async () => {
    const [a, b] = instances as [Instance, Instance];
    const base = config.publicUrl;
    const registered = await register(a, base);
    expect(registered.status).toBe(201);
    const client = (await registered.json()) as { client_id: string; client_secret: string };
    const { verifier, challenge } = pkce();
    const consentPage = await authorize(b, base, client.client_id, challenge);
    expect(consentPage.status).toBe(200);
    const consented = await approve(a, base, transactionIdOf(await consentPage.text()));
    const callback = await upstreamCallback(idp, consented.headers.get('location') as string);
    const landed = await fetch(via(b, callback), { redirect: 'manual' });
    expect(landed.status).toBe(302);
    const code = new URL(landed.headers.get('location') as string).searchParams.get('code') as string;
    const form = {
      grant_type: 'authorization_code',
      client_id: client.client_id,
      client_secret: client.client_secret,
      code,
      code_verifier: verifier,
    };
    expect((await tokenRequest(a, base, form)).status).toBe(200);
    expect((await tokenRequest(b, base, form)).status).toBe(400);
  });
});
