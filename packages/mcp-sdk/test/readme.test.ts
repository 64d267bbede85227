// The README's examples are these fixture files, verbatim (checked here), and they run: the server example as two
// instances in front of a real upstream, the client example as two processes sharing one login.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { auth } from '@modelcontextprotocol/sdk/client/auth.js';
import { type ByteStore, MemoryStore } from '@oauth-store/core';
import { envKeySource, withEnvelopeEncryption } from '@oauth-store/envelope';
import { createRedisStore } from '@oauth-store/redis';
import express from 'express';
import { sharedLoginProvider } from './fixtures/readme-client';
import { createAuthApp } from './fixtures/readme-server';
import { authorize, listen, pkce, type Running, register, startAuthServer, token } from './support/http';
import { StoreBackedProvider } from './support/store-provider';
import { redisUrl } from './support/stores';

const here = dirname(fileURLToPath(import.meta.url));
const readme = readFileSync(join(here, '..', 'README.md'), 'utf8');

/** The ```ts block right after `<!-- example: <file> -->` in the README. */
function readmeBlock(file: string): string {
  const marker = `<!-- example: ${file} -->`;
  const start = readme.indexOf(marker);
  if (start < 0) throw new Error(`README.md has no ${marker}`);
  const match = /```ts\n([\s\S]*?)```/.exec(readme.slice(start));
  if (!match?.[1]) throw new Error(`README.md has no ts block after ${marker}`);
  return match[1];
}

describe('README', () => {
  it.each(['test/fixtures/readme-server.ts', 'test/fixtures/readme-client.ts'])('shows %s verbatim', (file) => {
    expect(readmeBlock(file)).toBe(readFileSync(join(here, '..', file), 'utf8'));
  });
});

describe('README server example: two instances in front of an upstream on the same store', () => {
  const REDIRECT_URI = 'http://127.0.0.1:9/callback';
  const previousKek = process.env.OAUTH_STORE_KEK;
  let upstreamStore: ByteStore;
  let upstream: Running;
  const instances: Array<{ running: Running; close: () => Promise<void> }> = [];

  async function startInstance(): Promise<URL> {
    // The issuer must name the instance's own loopback address: listen on a port first, then mount the app there.
    const holder = express();
    const running = await listen(holder);
    const { app, close } = await createAuthApp({
      redisUrl: redisUrl(),
      issuerUrl: running.url,
      upstreamUrl: upstream.url,
      verifyAccessToken: async () => {
        throw new Error('not used here');
      },
    });
    holder.use(app);
    instances.push({ running, close });
    return running.url;
  }

  beforeAll(async () => {
    process.env.OAUTH_STORE_KEK = randomBytes(32).toString('base64');
    // The upstream authorization server reads the same clients (same Redis, prefix and key).
    upstreamStore = withEnvelopeEncryption(await createRedisStore({ url: redisUrl() }), {
      keySource: envKeySource({ variable: 'OAUTH_STORE_KEK', encoding: 'base64' }),
    });
    await upstreamStore.get('warm-up', 'connect');
    upstream = await startAuthServer(new StoreBackedProvider(upstreamStore));
  });
  afterAll(async () => {
    for (const instance of instances) {
      await instance.running.close();
      await instance.close();
    }
    await upstream?.close();
    await upstreamStore?.close();
    if (previousKek === undefined) delete process.env.OAUTH_STORE_KEK;
    else process.env.OAUTH_STORE_KEK = previousKek;
  });

  it('registers on one instance and completes authorization and token exchange through the other', async () => {
    const first = await startInstance();
    const second = await startInstance();
    const registered = await register(first, {
      redirect_uris: [REDIRECT_URI],
      token_endpoint_auth_method: 'client_secret_post',
    });
    expect(registered.status).toBe(201);
    const client = (await registered.json()) as { client_id: string; client_secret: string };

    const { verifier, challenge } = pkce();
    const atSecond = await authorize(second, {
      clientId: client.client_id,
      redirectUri: REDIRECT_URI,
      challenge,
      state: 's',
    });
    expect(atSecond.status).toBe(302);
    const atUpstream = await fetch(new URL(atSecond.headers.get('location') ?? ''), { redirect: 'manual' });
    expect(atUpstream.status).toBe(302);
    const code = new URL(atUpstream.headers.get('location') ?? '').searchParams.get('code') as string;
    const exchanged = await token(second, {
      grant_type: 'authorization_code',
      client_id: client.client_id,
      client_secret: client.client_secret,
      code,
      code_verifier: verifier,
    });
    expect(exchanged.status).toBe(200);
  });
});

describe('README client example: two processes, one login', () => {
  let server: Running;
  const stores: ByteStore[] = [];
  beforeAll(async () => {
    server = await startAuthServer(new StoreBackedProvider(new MemoryStore()));
  });
  afterAll(async () => {
    await server?.close();
    await Promise.all(stores.map((store) => store.close()));
  });

  it('logs in once and both processes are authorized', async () => {
    const prefix = `readme-client-${randomBytes(8).toString('hex')}:`;
    for (let i = 0; i < 2; i++) {
      const store = await createRedisStore({ url: redisUrl(), keyPrefix: prefix });
      await store.get('warm-up', 'connect');
      stores.push(store);
    }
    const opened: URL[] = [];
    const one = sharedLoginProvider(stores[0] as ByteStore, 'alice', server.url, (url) => opened.push(url));
    const two = sharedLoginProvider(stores[1] as ByteStore, 'alice', server.url, (url) => opened.push(url));
    expect(await auth(one, { serverUrl: server.url })).toBe('REDIRECT');
    const response = await fetch(opened[0] as URL, { redirect: 'manual' });
    const code = new URL(response.headers.get('location') ?? '').searchParams.get('code') as string;
    expect(await auth(two, { serverUrl: server.url, authorizationCode: code })).toBe('AUTHORIZED');
    expect(await auth(one, { serverUrl: server.url })).toBe('AUTHORIZED');
    expect(opened).toHaveLength(1);
  });
});
