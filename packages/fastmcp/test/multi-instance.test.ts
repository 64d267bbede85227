// Two real fastmcp servers (FastMCP + OAuthProxy) in front of a real oidc-provider, sharing one envelope-encrypted
// Redis store through the bridge: every step of the flow goes to a different instance than the one before, and a
// redeemed code is refused everywhere. These flows run twice: on the newest fastmcp in the lockfile and on the lowest
// the peer range admits (4.20.0, the `fastmcp-lowest` alias; support/frameworks.ts), and the first test checks which
// one really runs. The controls run the same flow on fastmcp's default per-instance storage, and on a shared store
// but with fastmcp's default per-instance encryption key, and show both fail.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import type { TokenStorage } from 'fastmcp/auth';
import { createTokenStorage } from '../src/index';
import {
  approve,
  authorize,
  CLIENT_REDIRECT_URI,
  pkce,
  register,
  tokenRequest,
  transactionIdOf,
  upstreamCallback,
} from './support/flow';
import { FRAMEWORKS, type Framework, LOWEST, NEWEST, NEWEST_PIN, PEER_FLOOR, PEER_RANGE } from './support/frameworks';
import { freePort, type Instance, type SharedSettings, startInstance, via } from './support/instances';
import { type Deployment, instanceStore, newDeployment, rawStore } from './support/stores';
import { type Idp, startIdp } from './support/upstream-idp';

interface Setup {
  idp: Idp;
  shared: SharedSettings;
  a: Instance;
  b: Instance;
  close(): Promise<void>;
}

/** An identity provider and two fastmcp instances (of `framework`, default the newest) behind one public URL. */
async function setUp(
  storage: () => Promise<{ tokenStorage?: TokenStorage; encryptionKey?: false; close?: () => Promise<void> }>,
  framework: Framework = NEWEST,
): Promise<Setup> {
  const publicBaseUrl = `http://127.0.0.1:${await freePort()}`;
  const idp = await startIdp([`${publicBaseUrl}/oauth/callback`]);
  const shared: SharedSettings = {
    publicBaseUrl,
    jwtSigningKey: randomBytes(32).toString('hex'),
    consentSigningKey: randomBytes(32).toString('hex'),
  };
  const first = await storage();
  const second = await storage();
  const a = await startInstance(idp, shared, { ...first, framework });
  const b = await startInstance(idp, shared, { ...second, framework });
  return {
    idp,
    shared,
    a,
    b,
    close: async () => {
      await Promise.all([a.stop(), b.stop()]);
      await Promise.all([first.close?.(), second.close?.()]);
      await idp.close();
    },
  };
}

async function registerOn(setup: Setup, on: Instance) {
  const response = await register(on, setup.shared.publicBaseUrl);
  expect(response.status).toBe(201);
  return (await response.json()) as { client_id: string; client_secret: string };
}

describe('the fastmcp versions under test', () => {
  it(`are the lowest of the peer range (${PEER_RANGE}) and the pinned newest, as distinct modules`, () => {
    expect(LOWEST.version).toBe(PEER_FLOOR);
    expect(NEWEST.version).toBe(NEWEST_PIN);
    expect(LOWEST.version).not.toBe(NEWEST.version);
    // Two copies really loaded (jest did not resolve the alias to the newest).
    expect(LOWEST.FastMCP).not.toBe(NEWEST.FastMCP);
    expect(LOWEST.OAuthProxy).not.toBe(NEWEST.OAuthProxy);
  });
});

describe.each(FRAMEWORKS)('fastmcp $version ($name): two instances sharing one encrypted Redis store', (framework) => {
  let deployment: Deployment;
  let setup: Setup | undefined;

  beforeAll(async () => {
    deployment = newDeployment();
    setup = await setUp(async () => {
      const store = await instanceStore(deployment);
      return { tokenStorage: createTokenStorage(store), encryptionKey: false, close: () => store.close() };
    }, framework);
  });
  afterAll(async () => {
    await setup?.close();
  });

  it(`runs both instances on ${framework.importName} (fastmcp ${framework.version})`, () => {
    const { a, b } = setup as Setup;
    const other = framework === NEWEST ? LOWEST : NEWEST;
    for (const instance of [a, b]) {
      expect(instance.server).toBeInstanceOf(framework.FastMCP);
      expect(instance.proxy).toBeInstanceOf(framework.OAuthProxy);
      expect(instance.server).not.toBeInstanceOf(other.FastMCP);
      expect(instance.proxy).not.toBeInstanceOf(other.OAuthProxy);
    }
  });

  it('registers on A, authorizes on B, consents on A, takes the callback on B, redeems on A; replay refused on B', async () => {
    const { a, b, idp, shared } = setup as Setup;
    const base = shared.publicBaseUrl;
    const client = await registerOn(setup as Setup, a);
    const { verifier, challenge } = pkce();

    const consentPage = await authorize(b, base, client.client_id, challenge);
    expect(consentPage.status).toBe(200);
    const consented = await approve(a, base, transactionIdOf(await consentPage.text()));
    expect(consented.status).toBe(302);
    const upstreamAuthorize = consented.headers.get('location') as string;
    expect(new URL(upstreamAuthorize).origin).toBe(idp.issuer.origin);

    const callback = await upstreamCallback(idp, upstreamAuthorize);
    expect(`${callback.origin}${callback.pathname}`).toBe(`${base}/oauth/callback`);
    const landed = await fetch(via(b, callback), { redirect: 'manual' });
    expect(landed.status).toBe(302);
    const toClient = new URL(landed.headers.get('location') as string);
    expect(`${toClient.origin}${toClient.pathname}`).toBe(CLIENT_REDIRECT_URI);
    expect(toClient.searchParams.get('state')).toBe('client-state');
    const code = toClient.searchParams.get('code') as string;
    // The upstream callback itself is one-time too: its transaction was taken.
    expect((await fetch(via(a, callback), { redirect: 'manual' })).status).toBe(400);

    const form = {
      grant_type: 'authorization_code',
      client_id: client.client_id,
      client_secret: client.client_secret,
      code,
      code_verifier: verifier,
      redirect_uri: CLIENT_REDIRECT_URI,
    };
    const exchanged = await tokenRequest(a, base, form);
    expect(exchanged.status).toBe(200);
    const tokens = (await exchanged.json()) as { access_token: string; refresh_token?: string; token_type: string };
    expect(tokens.token_type).toBe('Bearer');

    const replay = await tokenRequest(b, base, form);
    expect(replay.status).toBe(400);
    expect(await replay.json()).toMatchObject({ error: 'invalid_grant' });

    // B resolves A's swapped token to the upstream tokens (mapping and upstream set read from the shared store).
    const upstream = await b.proxy.loadUpstreamTokens(tokens.access_token);
    expect(upstream?.accessToken).toBeTruthy();
    expect(upstream?.issuedAt).toBeInstanceOf(Date);

    // The refresh token A issued rotates once, on B; the same token is then refused on A.
    expect(tokens.refresh_token).toBeTruthy();
    const refreshForm = {
      grant_type: 'refresh_token',
      client_id: client.client_id,
      client_secret: client.client_secret,
      refresh_token: tokens.refresh_token as string,
    };
    expect((await tokenRequest(b, base, refreshForm)).status).toBe(200);
    expect((await tokenRequest(a, base, refreshForm)).status).toBe(400);
  });

  it('redeems a code exactly once when both instances race for it', async () => {
    const { a, b, idp, shared } = setup as Setup;
    const base = shared.publicBaseUrl;
    const client = await registerOn(setup as Setup, b);
    const { verifier, challenge } = pkce();
    const consentPage = await authorize(a, base, client.client_id, challenge);
    const consented = await approve(b, base, transactionIdOf(await consentPage.text()));
    const callback = await upstreamCallback(idp, consented.headers.get('location') as string);
    const landed = await fetch(via(a, callback), { redirect: 'manual' });
    const code = new URL(landed.headers.get('location') as string).searchParams.get('code') as string;
    const form = {
      grant_type: 'authorization_code',
      client_id: client.client_id,
      client_secret: client.client_secret,
      code,
      code_verifier: verifier,
    };
    const responses = await Promise.all([a, b, a, b, a, b].map((on) => tokenRequest(on, base, form)));
    expect(responses.map((response) => response.status).sort()).toEqual([200, 400, 400, 400, 400, 400]);
  });

  it('leaves Redis holding ciphertext only, and transaction ids and codes never as key names', async () => {
    const { a, shared } = setup as Setup;
    const client = await registerOn(setup as Setup, a);
    const consentPage = await authorize(a, shared.publicBaseUrl, client.client_id, pkce().challenge);
    const transactionId = transactionIdOf(await consentPage.text());
    const raw = await rawStore(deployment);
    const wrapped = await instanceStore(deployment);
    try {
      const stored = await raw.get('fastmcp-client', client.client_id);
      expect(stored).toBeDefined();
      expect(Buffer.from(stored as Uint8Array).includes(Buffer.from(client.client_secret))).toBe(false);
      expect(Buffer.from(stored as Uint8Array).includes(Buffer.from(shared.publicBaseUrl))).toBe(false);
      // The transaction is there through the wrapper, but Redis only has it under a keyed hash of its id.
      expect(await wrapped.get('fastmcp-transaction', transactionId)).toBeDefined();
      expect(await raw.get('fastmcp-transaction', transactionId)).toBeUndefined();
    } finally {
      await Promise.all([raw.close(), wrapped.close()]);
    }
  });
});

describe('control: fastmcp default storage (one MemoryTokenStorage per instance)', () => {
  let setup: Setup | undefined;
  beforeAll(async () => {
    setup = await setUp(async () => ({}));
  });
  afterAll(async () => {
    await setup?.close();
  });

  it('does not know on B a client registered on A', async () => {
    const { a, b, shared } = setup as Setup;
    const client = await registerOn(setup as Setup, a);
    const { challenge } = pkce();
    const onB = await authorize(b, shared.publicBaseUrl, client.client_id, challenge);
    expect(onB.status).toBe(400);
    expect(await onB.json()).toEqual({ error: 'invalid_client', error_description: 'Unknown client_id' });
    expect((await authorize(a, shared.publicBaseUrl, client.client_id, challenge)).status).toBe(200);
  });

  it('loses the transaction when the upstream callback lands on the other instance', async () => {
    const { a, b, idp, shared } = setup as Setup;
    const base = shared.publicBaseUrl;
    const client = await registerOn(setup as Setup, a);
    const consentPage = await authorize(a, base, client.client_id, pkce().challenge);
    const consented = await approve(a, base, transactionIdOf(await consentPage.text()));
    const callback = await upstreamCallback(idp, consented.headers.get('location') as string);
    const landed = await fetch(via(b, callback), { redirect: 'manual' });
    expect(landed.status).toBe(400);
    expect(await landed.json()).toMatchObject({
      error: 'invalid_request',
      error_description: 'Invalid or expired state',
    });
  });
});

describe('control: a shared store but fastmcp encryption with its default per-instance key', () => {
  let deployment: Deployment;
  let setup: Setup | undefined;
  beforeAll(async () => {
    deployment = newDeployment();
    // No encryptionKey: each OAuthProxy wraps the storage in EncryptedTokenStorage with its own random key.
    setup = await setUp(async () => {
      const store = await instanceStore(deployment);
      return { tokenStorage: createTokenStorage(store), close: () => store.close() };
    });
  });
  afterAll(async () => {
    await setup?.close();
  });

  it('cannot read on B what A wrote (fastmcp logs a decryption failure and reports an unknown client)', async () => {
    const { a, b, shared } = setup as Setup;
    const errors = jest.spyOn(console, 'error').mockImplementation(() => {});
    try {
      const client = await registerOn(setup as Setup, a);
      const onB = await authorize(b, shared.publicBaseUrl, client.client_id, pkce().challenge);
      expect(onB.status).toBe(400);
      expect(await onB.json()).toMatchObject({ error: 'invalid_client' });
      expect(errors).toHaveBeenCalledWith('Failed to decrypt value:', expect.anything());
    } finally {
      errors.mockRestore();
    }
  });
});
