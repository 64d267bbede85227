// The SDK's ProxyOAuthServerProvider stores nothing. With proxyGetClient + withLocalRegistration it registers clients
// (DCR) in the shared store and still forwards /authorize and /token upstream. The upstream here is another real
// mcpAuthRouter server reading the same store, so it accepts the clients the proxy registered.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ProxyOAuthServerProvider } from '@modelcontextprotocol/sdk/server/auth/providers/proxyProvider.js';
import type { OAuthClientInformationFull } from '@modelcontextprotocol/sdk/shared/auth.js';
import { type ByteStore, ClientStore, MemoryStore } from '@oauth-store/core';
import { proxyGetClient, withLocalRegistration } from '../src/index';
import { authorize, pkce, type Running, register, startAuthServer, token } from './support/http';
import { StoreBackedProvider } from './support/store-provider';
import { type Deployment, instanceStore, newDeployment } from './support/stores';

const REDIRECT_URI = 'http://127.0.0.1:9/callback';

function proxyFor(upstream: URL, store: ByteStore) {
  return withLocalRegistration(
    new ProxyOAuthServerProvider({
      endpoints: {
        authorizationUrl: new URL('/authorize', upstream).href,
        tokenUrl: new URL('/token', upstream).href,
      },
      verifyAccessToken: async () => {
        throw new Error('not used in this test');
      },
      getClient: proxyGetClient(store),
    }),
    store,
  );
}

describe('ProxyOAuthServerProvider with local registration on a shared Redis store', () => {
  let deployment: Deployment;
  let stores: ByteStore[] = [];
  let upstream: Running;
  let proxy: Running;

  beforeAll(async () => {
    deployment = newDeployment();
    stores = [await instanceStore(deployment), await instanceStore(deployment)];
    upstream = await startAuthServer(new StoreBackedProvider(stores[0] as ByteStore));
    proxy = await startAuthServer(proxyFor(upstream.url, stores[1] as ByteStore));
  });
  afterAll(async () => {
    await Promise.all([upstream?.close(), proxy?.close()]);
    await Promise.all(stores.map((store) => store.close()));
  });

  it('registers locally, forwards authorize and token upstream, and the upstream refuses the replay', async () => {
    const registered = await register(proxy.url, {
      redirect_uris: [REDIRECT_URI],
      token_endpoint_auth_method: 'client_secret_post',
    });
    expect(registered.status).toBe(201);
    const client = (await registered.json()) as OAuthClientInformationFull & { client_secret: string };
    // Stored in the shared store (read here through the upstream's connection), not sent to any upstream /register.
    const seen = await new ClientStore(stores[0] as ByteStore).getClient(client.client_id);
    expect(seen?.client_secret).toBe(client.client_secret);

    const { verifier, challenge } = pkce();
    const atProxy = await authorize(proxy.url, {
      clientId: client.client_id,
      redirectUri: REDIRECT_URI,
      challenge,
      state: 's1',
    });
    expect(atProxy.status).toBe(302);
    const forwarded = new URL(atProxy.headers.get('location') ?? '');
    expect(forwarded.origin).toBe(upstream.url.origin);
    expect(forwarded.searchParams.get('client_id')).toBe(client.client_id);

    const atUpstream = await fetch(forwarded, { redirect: 'manual' });
    expect(atUpstream.status).toBe(302);
    const callback = new URL(atUpstream.headers.get('location') ?? '');
    const code = callback.searchParams.get('code') as string;
    expect(code).toBeTruthy();

    const form = {
      grant_type: 'authorization_code',
      client_id: client.client_id,
      client_secret: client.client_secret,
      code,
      code_verifier: verifier,
      redirect_uri: REDIRECT_URI,
    };
    const exchanged = await token(proxy.url, form);
    expect(exchanged.status).toBe(200);
    expect(((await exchanged.json()) as { access_token?: string }).access_token).toBeTruthy();
    // The proxy reports the upstream's refusal as a server error; what matters is that no tokens come back.
    const replay = await token(proxy.url, form);
    expect(replay.status).not.toBe(200);
  });
});

describe('withLocalRegistration lookups', () => {
  const upstreamOnly: OAuthClientInformationFull = { client_id: 'upstream-only', redirect_uris: [REDIRECT_URI] };

  function countingStore(): { store: ByteStore; gets: () => number } {
    const inner = new MemoryStore();
    let gets = 0;
    const store: ByteStore = {
      capabilities: inner.capabilities,
      get: (collection, key) => {
        gets++;
        return inner.get(collection, key);
      },
      getEntry: (collection, key) => {
        gets++;
        return inner.getEntry(collection, key);
      },
      set: (...args) => inner.set(...args),
      delete: (...args) => inner.delete(...args),
      take: (...args) => inner.take(...args),
      list: (...args) => inner.list(...args),
      close: () => inner.close(),
    };
    return { store, gets: () => gets };
  }

  it('reads the local store first, then the provider own getClient', async () => {
    const { store } = countingStore();
    const clients = new ClientStore(store);
    const provider = withLocalRegistration(
      new ProxyOAuthServerProvider({
        endpoints: { authorizationUrl: 'http://127.0.0.1:9/a', tokenUrl: 'http://127.0.0.1:9/t' },
        verifyAccessToken: async () => {
          throw new Error('unused');
        },
        getClient: async (id) => (id === upstreamOnly.client_id ? upstreamOnly : undefined),
      }),
      clients,
    );
    const local = await provider.clientsStore.registerClient?.({ redirect_uris: [REDIRECT_URI] });
    expect(local?.client_id).toBeTruthy();
    expect(await provider.clientsStore.getClient(local?.client_id as string)).toEqual(local);
    expect(await provider.clientsStore.getClient('upstream-only')).toEqual(upstreamOnly);
    expect(await provider.clientsStore.getClient('nobody')).toBeUndefined();
  });

  it('does not read the same store twice when the provider already uses proxyGetClient on it', async () => {
    const { store, gets } = countingStore();
    const clients = new ClientStore(store);
    const provider = withLocalRegistration(
      new ProxyOAuthServerProvider({
        endpoints: { authorizationUrl: 'http://127.0.0.1:9/a', tokenUrl: 'http://127.0.0.1:9/t' },
        verifyAccessToken: async () => {
          throw new Error('unused');
        },
        getClient: proxyGetClient(clients),
      }),
      clients,
    );
    expect(await provider.clientsStore.getClient('nobody')).toBeUndefined();
    expect(gets()).toBe(1);
  });
});
