// Client side: the SDK's own auth() drives two OAuthClientProviders that share one login through the store (the
// scenario is support/shared-login.ts, also run on SDK 1.27.0 by client-persistence-lowest.test.ts). Each process has
// its own Redis connection.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { auth } from '@modelcontextprotocol/sdk/client/auth.js';
import { type ByteStore, encodeRecord, isOAuthStoreError, MemoryStore } from '@oauth-store/core';
import { createOAuthClientPersistence, sessionKey } from '../src/index';
import { type Running, startAuthServer } from './support/http';
import { expectSharedLogin, REDIRECT_URI } from './support/shared-login';
import { StoreBackedProvider } from './support/store-provider';
import { type Deployment, instanceStore, newDeployment } from './support/stores';

describe('OAuthClientProvider persistence shared by two client processes over Redis', () => {
  let deployment: Deployment;
  let storeOne: ByteStore;
  let storeTwo: ByteStore;
  let server: Running;

  beforeAll(async () => {
    deployment = newDeployment();
    [storeOne, storeTwo] = [await instanceStore(deployment), await instanceStore(deployment)];
    server = await startAuthServer(new StoreBackedProvider(new MemoryStore()));
  });
  afterAll(async () => {
    await server?.close();
    await Promise.all([storeOne?.close(), storeTwo?.close()]);
  });

  it('starts authorization in one process and finishes it in the other; both then hold the tokens', async () => {
    await expectSharedLogin(auth, server.url, storeOne, storeTwo);
  });

  it('keeps users and servers apart', async () => {
    const alice = createOAuthClientPersistence(storeOne, { userId: 'alice-2', serverUrl: server.url });
    const bob = createOAuthClientPersistence(storeTwo, { userId: 'bob', serverUrl: server.url });
    const aliceElsewhere = createOAuthClientPersistence(storeTwo, {
      userId: 'alice-2',
      serverUrl: new URL('/other', server.url),
    });
    await alice.saveTokens({ access_token: 'a', token_type: 'Bearer' });
    expect(await bob.tokens()).toBeUndefined();
    expect(await aliceElsewhere.tokens()).toBeUndefined();
    // The same server URL written differently is the same session.
    const aliceAgain = createOAuthClientPersistence(storeTwo, {
      userId: 'alice-2',
      serverUrl: `HTTP://127.0.0.1:${server.url.port}`,
    });
    expect((await aliceAgain.tokens())?.access_token).toBe('a');
  });

  it('does not drop tokens another process refreshed in the meantime', async () => {
    const one = createOAuthClientPersistence(storeOne, { userId: 'carol', serverUrl: server.url });
    const two = createOAuthClientPersistence(storeTwo, { userId: 'carol', serverUrl: server.url });
    await one.saveTokens({ access_token: 't1', refresh_token: 'r1', token_type: 'Bearer' });
    expect((await two.tokens())?.access_token).toBe('t1');
    // Process one rotates the refresh token; process two's refresh with r1 then fails and asks to invalidate.
    await one.saveTokens({ access_token: 't2', refresh_token: 'r2', token_type: 'Bearer' });
    await two.invalidateCredentials('tokens');
    expect((await one.tokens())?.access_token).toBe('t2');
    // Invalidating tokens it has seen does drop them.
    await one.invalidateCredentials('tokens');
    expect(await two.tokens()).toBeUndefined();
  });
});

describe('OAuthClientProvider persistence details', () => {
  const serverUrl = 'http://127.0.0.1:9/mcp';

  it('expires the code verifier after its TTL', async () => {
    let now = 1_000_000;
    const store = new MemoryStore({ now: () => now });
    const persistence = createOAuthClientPersistence(store, { userId: 'u', serverUrl, codeVerifierTtlMs: 60_000 });
    await persistence.saveCodeVerifier('v'.repeat(43));
    now += 59_000;
    expect(await persistence.codeVerifier()).toBe('v'.repeat(43));
    now += 2_000;
    await expect(persistence.codeVerifier()).rejects.toMatchObject({ code: 'invalid_value' });
  });

  it('invalidates each scope on its own, and all at once', async () => {
    const store = new MemoryStore();
    const p = createOAuthClientPersistence(store, { userId: 'u', serverUrl });
    const fill = async () => {
      await p.saveClientInformation({ client_id: 'c', redirect_uris: [REDIRECT_URI] });
      await p.saveTokens({ access_token: 'a', token_type: 'Bearer' });
      await p.saveCodeVerifier('verifier');
      await p.saveDiscoveryState({ authorizationServerUrl: 'http://127.0.0.1:9/' });
    };
    const present = async () => ({
      client: (await p.clientInformation()) !== undefined,
      tokens: (await p.tokens()) !== undefined,
      verifier: await p.codeVerifier().then(
        () => true,
        () => false,
      ),
      discovery: (await p.discoveryState()) !== undefined,
    });
    const all = { client: true, tokens: true, verifier: true, discovery: true };
    for (const scope of ['client', 'tokens', 'verifier', 'discovery'] as const) {
      await fill();
      await p.invalidateCredentials(scope);
      expect(await present()).toEqual({ ...all, [scope]: false });
    }
    await fill();
    await p.invalidateCredentials('all');
    expect(await present()).toEqual({ client: false, tokens: false, verifier: false, discovery: false });
    await expect(p.invalidateCredentials('everything' as 'all')).rejects.toMatchObject({ code: 'invalid_value' });
  });

  it('keeps the issuer the SDK adds, and returns pre-registered (non-DCR) client information', async () => {
    const p = createOAuthClientPersistence(new MemoryStore(), { userId: 'u', serverUrl });
    await p.saveClientInformation({ client_id: 'pre', client_secret: 's', issuer: 'http://127.0.0.1:9/' });
    expect(await p.clientInformation()).toEqual({
      client_id: 'pre',
      client_secret: 's',
      issuer: 'http://127.0.0.1:9/',
    });
    await p.saveTokens({ access_token: 'a', token_type: 'Bearer', issuer: 'http://127.0.0.1:9/' });
    expect((await p.tokens())?.issuer).toBe('http://127.0.0.1:9/');
  });

  it('reports a corrupted record as an integrity error, not a miss', async () => {
    const store = new MemoryStore();
    const p = createOAuthClientPersistence(store, { userId: 'u', serverUrl });
    const key = sessionKey('u', serverUrl);
    await store.set('mcp-client-tokens', key, encodeRecord({ token_type: 'Bearer' }));
    await store.set('mcp-client-information', key, encodeRecord({ redirect_uris: 'nope' }));
    await store.set('mcp-client-discovery', key, encodeRecord(['not', 'state']));
    for (const read of [() => p.tokens(), () => p.clientInformation(), () => p.discoveryState()]) {
      const error = await read().catch((caught: unknown) => caught);
      expect(isOAuthStoreError(error, 'integrity')).toBe(true);
      expect(String((error as Error).message)).not.toContain('Bearer');
    }
  });

  it('with hashKey the session name is a keyed HMAC: not the guessable SHA-256 of (userId, serverUrl)', async () => {
    const store = new MemoryStore();
    const hashKey = new Uint8Array(32).fill(7);
    const p = createOAuthClientPersistence(store, { userId: 'alice', serverUrl, hashKey });
    await p.saveTokens({ access_token: 'a', token_type: 'Bearer' });
    const [name] = (await store.list('mcp-client-tokens')).keys;
    expect(name).toBe(sessionKey('alice', serverUrl, hashKey));
    expect(name).not.toBe(sessionKey('alice', serverUrl));
    expect(() => sessionKey('alice', serverUrl, new Uint8Array(8))).toThrow(/hashKey/);
  });

  it('rejects bad options with typed errors', () => {
    const store = new MemoryStore();
    expect(() => createOAuthClientPersistence(store, { userId: '', serverUrl })).toThrow(/userId/);
    expect(() => createOAuthClientPersistence(store, { userId: 'u', serverUrl: 'not a url' })).toThrow(/serverUrl/);
    expect(() => createOAuthClientPersistence(store, { userId: 'u', serverUrl, codeVerifierTtlMs: 0 })).toThrow(
      /codeVerifierTtlMs/,
    );
    let caught: unknown;
    try {
      createOAuthClientPersistence(store, { userId: 'u', serverUrl: 'nope' });
    } catch (error) {
      caught = error;
    }
    expect(isOAuthStoreError(caught, 'configuration')).toBe(true);
  });
});
