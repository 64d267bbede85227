// Two real MCP SDK authorization servers (Express 5 + mcpAuthRouter) on two loopback ports. With one shared,
// envelope-encrypted Redis store behind the bridge, a client registered on one is authorized and redeemed on the
// other, and a code is redeemed exactly once across both. The control runs the same flow on two MemoryStores and
// shows the failure the bridge exists to fix.
//
// The shared-store flow runs on both ends of the SDK 1.x peer range (support/sdk-lines.ts): the newest SDK in the
// lockfile on the newest Express, and SDK 1.27.0 (the range's floor, from the alias @modelcontextprotocol/sdk-lowest)
// with Express 5.1.0 (express-lowest) as the application's Express. Each run's provider throws its own SDK's errors.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type ByteStore, MemoryStore } from '@oauth-store/core';
import { authorize, pkce, type Running, register, startAuthServer, token } from './support/http';
import { lowestV1, newestV1, rangeFloor, type SdkV1Line } from './support/sdk-lines';
import { StoreBackedProvider } from './support/store-provider';
import { type Deployment, instanceStore, newDeployment, rawStore } from './support/stores';

const lines: SdkV1Line[] = [await newestV1(), await lowestV1()];
const devDependencies = (
  JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
    devDependencies: Record<string, string>;
  }
).devDependencies;

const REDIRECT_URI = 'http://127.0.0.1:9/callback';

interface Pair {
  a: Running;
  b: Running;
  stores: ByteStore[];
}

async function startPair(storeA: ByteStore, storeB: ByteStore, line?: SdkV1Line): Promise<Pair> {
  const a = await startAuthServer(new StoreBackedProvider(storeA, line?.errors), line);
  const b = await startAuthServer(new StoreBackedProvider(storeB, line?.errors), line);
  return { a, b, stores: [storeA, storeB] };
}

async function stopPair(pair: Pair | undefined): Promise<void> {
  if (!pair) return;
  await Promise.all([pair.a.close(), pair.b.close()]);
  await Promise.all(pair.stores.map((store) => store.close()));
}

/** DCR on `on`, confidential client authenticating with client_secret_post. */
async function registerClient(on: Running): Promise<{ client_id: string; client_secret: string }> {
  const response = await register(on.url, {
    redirect_uris: [REDIRECT_URI],
    token_endpoint_auth_method: 'client_secret_post',
    client_name: 'multi-instance test',
    grant_types: ['authorization_code', 'refresh_token'],
    extra_field: 'stripped by the SDK',
  });
  expect(response.status).toBe(201);
  const body = (await response.json()) as { client_id: string; client_secret: string; extra_field?: unknown };
  expect(typeof body.client_secret).toBe('string');
  expect(body.extra_field).toBeUndefined();
  return body;
}

/** /authorize on `on`; returns the code from the redirect. */
async function authorizeOn(on: Running, clientId: string, challenge: string): Promise<string> {
  const response = await authorize(on.url, { clientId, redirectUri: REDIRECT_URI, challenge, state: 'xyz' });
  expect(response.status).toBe(302);
  const location = new URL(response.headers.get('location') ?? '');
  expect(`${location.origin}${location.pathname}`).toBe(REDIRECT_URI);
  expect(location.searchParams.get('state')).toBe('xyz');
  const code = location.searchParams.get('code');
  expect(code).toBeTruthy();
  return code as string;
}

describe.each(lines)(
  'two mcpAuthRouter instances sharing one envelope-encrypted Redis store: $end SDK 1.x ($versions.sdk, Express $versions.express)',
  (line) => {
    let deployment: Deployment;
    let pair: Pair | undefined;
    let raw: ByteStore;

    beforeAll(async () => {
      deployment = newDeployment();
      pair = await startPair(await instanceStore(deployment), await instanceStore(deployment), line);
      raw = await rawStore(deployment);
    });
    afterAll(async () => {
      await stopPair(pair);
      await raw?.close();
    });

    it('runs the SDK and Express versions of its end of the range', () => {
      const sdkFloor = rangeFloor('peerDependencies', '@modelcontextprotocol/sdk');
      const expressFloor = rangeFloor('devDependencies', 'express');
      // Two different copies of the SDK and of Express (each version is read from the package its import resolved to).
      const [newest, lowest] = lines as [SdkV1Line, SdkV1Line];
      expect(lowest.mcpAuthRouter).not.toBe(newest.mcpAuthRouter);
      expect(lowest.errors.InvalidGrantError).not.toBe(newest.errors.InvalidGrantError);
      expect(lowest.express).not.toBe(newest.express);
      if (line.end === 'lowest') {
        expect(line.versions).toEqual({ sdk: sdkFloor, express: expressFloor });
      } else {
        // The devDependency (pinned), which must be a different version from the floor: two real ends, not one twice.
        expect(line.versions.sdk).toBe(devDependencies['@modelcontextprotocol/sdk']);
        expect(line.versions.sdk).not.toBe(sdkFloor);
        expect(line.versions.express).not.toBe(expressFloor);
      }
    });

    it('registers on A, authorizes on B, redeems on A with client_secret_post, rejects the replay on B', async () => {
      const { a, b } = pair as Pair;
      const client = await registerClient(a);
      const { verifier, challenge } = pkce();
      const code = await authorizeOn(b, client.client_id, challenge);

      const form = {
        grant_type: 'authorization_code',
        client_id: client.client_id,
        client_secret: client.client_secret,
        code,
        code_verifier: verifier,
        redirect_uri: REDIRECT_URI,
      };
      const first = await token(a.url, form);
      expect(first.status).toBe(200);
      const tokens = (await first.json()) as { access_token: string; refresh_token: string; token_type: string };
      expect(tokens.token_type).toBe('Bearer');

      const replay = await token(b.url, form);
      expect(replay.status).toBe(400);
      expect(((await replay.json()) as { error: string }).error).toBe('invalid_grant');

      // The refresh token issued by A is honoured by B, once.
      const refreshForm = {
        grant_type: 'refresh_token',
        client_id: client.client_id,
        client_secret: client.client_secret,
        refresh_token: tokens.refresh_token,
      };
      expect((await token(b.url, refreshForm)).status).toBe(200);
      expect((await token(a.url, refreshForm)).status).toBe(400);
    });

    it('authenticates client_secret_post on either instance and rejects a wrong secret on both', async () => {
      const { a, b } = pair as Pair;
      const client = await registerClient(b);
      for (const server of [a, b]) {
        const { verifier, challenge } = pkce();
        const code = await authorizeOn(server === a ? b : a, client.client_id, challenge);
        const wrong = await token(server.url, {
          grant_type: 'authorization_code',
          client_id: client.client_id,
          client_secret: `${client.client_secret}x`,
          code,
          code_verifier: verifier,
        });
        expect(wrong.status).toBe(400);
        expect(((await wrong.json()) as { error: string }).error).toBe('invalid_client');
        const right = await token(server.url, {
          grant_type: 'authorization_code',
          client_id: client.client_id,
          client_secret: client.client_secret,
          code,
          code_verifier: verifier,
        });
        expect(right.status).toBe(200);
      }
    });

    it('redeems a code exactly once when both instances race for it', async () => {
      const { a, b } = pair as Pair;
      const client = await registerClient(a);
      for (let round = 0; round < 5; round++) {
        const { verifier, challenge } = pkce();
        const code = await authorizeOn(round % 2 ? a : b, client.client_id, challenge);
        const form = {
          grant_type: 'authorization_code',
          client_id: client.client_id,
          client_secret: client.client_secret,
          code,
          code_verifier: verifier,
        };
        const responses = await Promise.all([a, b, a, b].map((server) => token(server.url, form)));
        const statuses = responses.map((response) => response.status).sort();
        expect(statuses).toEqual([200, 400, 400, 400]);
      }
    });

    it('keeps client secrets encrypted and code names hashed in Redis', async () => {
      const { a, b } = pair as Pair;
      const client = await registerClient(a);
      const stored = await raw.get('oauth-clients', client.client_id);
      expect(stored).toBeDefined();
      expect(Buffer.from(stored as Uint8Array).includes(Buffer.from(client.client_secret))).toBe(false);
      const code = await authorizeOn(b, client.client_id, pkce().challenge);
      // The code is there through the wrapper, but not under its own name in Redis.
      expect(await (pair as Pair).stores[0]?.get('oauth-codes', code)).toBeDefined();
      expect(await raw.get('oauth-codes', code)).toBeUndefined();
    });
  },
);

describe('control: the same two instances on separate MemoryStores', () => {
  let pair: Pair | undefined;

  beforeAll(async () => {
    pair = await startPair(new MemoryStore(), new MemoryStore());
  });
  afterAll(async () => {
    await stopPair(pair);
  });

  it('does not know on B a client registered on A (the multi-instance failure)', async () => {
    const { a, b } = pair as Pair;
    const client = await registerClient(a);
    const { challenge } = pkce();
    const response = await authorize(b.url, {
      clientId: client.client_id,
      redirectUri: REDIRECT_URI,
      challenge,
      state: 'xyz',
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ error: 'invalid_client', error_description: 'Invalid client_id' });
    // ...while A itself accepts it, so the failure is the missing shared store, not the request.
    expect(
      (await authorize(a.url, { clientId: client.client_id, redirectUri: REDIRECT_URI, challenge, state: 'xyz' }))
        .status,
    ).toBe(302);
  });

  it('cannot redeem on B a code issued on A', async () => {
    const { a, b } = pair as Pair;
    const client = await registerClient(a);
    const { verifier, challenge } = pkce();
    const code = await authorizeOn(a, client.client_id, challenge);
    const response = await token(b.url, {
      grant_type: 'authorization_code',
      client_id: client.client_id,
      client_secret: client.client_secret,
      code,
      code_verifier: verifier,
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: string }).error).toBe('invalid_client');
  });
});
