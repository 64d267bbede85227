// createCimdClientsStore with the SDK line named explicitly, on SDK 1.x's own router (support/http.ts mounts
// '@modelcontextprotocol/sdk/server/auth/router.js'), plus the compile-time check that the store fits both SDKs.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { OAuthRegisteredClientsStore as V1ClientsStore } from '@modelcontextprotocol/sdk/server/auth/clients.js';
import type { OAuthRegisteredClientsStore as V2ClientsStore } from '@modelcontextprotocol/server-legacy/auth';
import { CimdClientResolver } from '@oauth-store/cimd';
import { ClientStore, ConfigurationError, MemoryStore } from '@oauth-store/core';
import { advertiseCimd, createCimdClientsStore } from '../src/index';
import { authorize, pkce, type Running, startAuthServer } from './support/http';
import { StoreBackedProvider } from './support/store-provider';

const REDIRECT_URI = 'http://127.0.0.1:9/callback';
let documents: Server;
let origin = '';
let auth: Running;

beforeAll(async () => {
  documents = createServer((request, response) => {
    const url = `${origin}${request.url}`;
    const body = request.url === '/good.json' ? { client_id: url, redirect_uris: [REDIRECT_URI] } : { client_id: url };
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  });
  await new Promise<void>((resolve) => documents.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(documents.address() as AddressInfo).port}`;
  const store = new MemoryStore();
  const clients = new ClientStore(store);
  const provider = new StoreBackedProvider(store);
  const resolver = new CimdClientResolver({ store, clients, allowPrivateAddresses: true, allowHttp: true });
  Object.defineProperty(provider, 'clientsStore', { value: createCimdClientsStore({ resolver, clients, sdk: 'v1' }) });
  auth = await startAuthServer(provider);
});
afterAll(async () => {
  await auth?.close();
  await new Promise<void>((resolve) => documents?.close(() => resolve()));
});

describe("createCimdClientsStore({ sdk: 'v1' }) on SDK 1.x's router", () => {
  it('authorizes a valid document client', async () => {
    const response = await authorize(auth.url, {
      clientId: `${origin}/good.json`,
      redirectUri: REDIRECT_URI,
      challenge: pkce().challenge,
      state: 's',
    });
    expect(response.status).toBe(302);
  });

  it('answers invalid_client (not 500) with the reason for a document without redirect_uris', async () => {
    const response = await authorize(auth.url, {
      clientId: `${origin}/no-redirects.json`,
      redirectUri: REDIRECT_URI,
      challenge: pkce().challenge,
      state: 's',
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      error: 'invalid_client',
      error_description: 'the client metadata document has no redirect_uris.',
    });
  });
});

describe('createCimdClientsStore options', () => {
  it('needs a resolver', () => {
    expect(() => createCimdClientsStore({} as never)).toThrow(ConfigurationError);
  });

  it('without clients: no registerClient (so mcpAuthRouter mounts no /register)', () => {
    const resolver = new CimdClientResolver({ store: new MemoryStore() });
    expect(createCimdClientsStore({ resolver }).registerClient).toBeUndefined();
  });

  it('fits both SDK lines (checked by tsc)', () => {
    const resolver = new CimdClientResolver({ store: new MemoryStore() });
    const store = createCimdClientsStore({ resolver, clients: new MemoryStore() });
    const v1: V1ClientsStore = store;
    const v2: V2ClientsStore = store;
    expect(typeof v1.getClient).toBe('function');
    expect(typeof v2.registerClient).toBe('function');
  });

  it('advertiseCimd leaves other paths and non-object bodies alone', () => {
    const middleware = advertiseCimd();
    const sent: unknown[] = [];
    const res = { json: (body: unknown) => sent.push(body) };
    middleware({ method: 'GET', path: '/token' }, res, () => {});
    res.json({ a: 1 });
    middleware({ method: 'GET', path: '/.well-known/oauth-authorization-server' }, res, () => {});
    res.json({ issuer: 'x' });
    expect(sent).toEqual([{ a: 1 }, { issuer: 'x', client_id_metadata_document_supported: true }]);
  });
});
