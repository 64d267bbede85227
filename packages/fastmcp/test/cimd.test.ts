// Client ID Metadata Documents through the storage: two real fastmcp instances (OAuthProxy with enableCimd: false)
// share one envelope-encrypted Redis store; their storages answer `client:<document URL>` through one
// CimdClientResolver per instance. A CIMD client runs the whole flow across both instances, and the document server
// sees one request for the whole fleet.
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { CimdClientResolver } from '@oauth-store/cimd';
import { type ByteStore, ConfigurationError, MemoryStore } from '@oauth-store/core';
import { createTokenStorage } from '../src/index';
import {
  approve,
  authorize,
  CLIENT_REDIRECT_URI,
  pkce,
  publicUrl,
  tokenRequest,
  transactionIdOf,
  upstreamCallback,
} from './support/flow';
import { freePort, type Instance, startInstance, via } from './support/instances';
import { instanceStore, newDeployment } from './support/stores';
import { type Idp, startIdp } from './support/upstream-idp';

const hits = new Map<string, number>();
const documents = new Map<string, (url: string) => unknown>();
let documentServer: Server;
let documentOrigin = '';
let idp: Idp;
let base = '';
let a: Instance;
let b: Instance;
const stores: ByteStore[] = [];

function serveDocument(name: string, document: (url: string) => unknown): string {
  const path = `/${name}-${randomBytes(4).toString('hex')}.json`;
  documents.set(path, document);
  return `${documentOrigin}${path}`;
}

beforeAll(async () => {
  documentServer = createServer((request, response) => {
    const path = request.url ?? '/';
    hits.set(path, (hits.get(path) ?? 0) + 1);
    const document = documents.get(path);
    if (!document) return void response.writeHead(404).end();
    response
      .writeHead(200, { 'content-type': 'application/json', 'cache-control': 'max-age=3600' })
      .end(JSON.stringify(document(`${documentOrigin}${path}`)));
  });
  await new Promise<void>((resolve) => documentServer.listen(0, '127.0.0.1', resolve));
  documentOrigin = `http://127.0.0.1:${(documentServer.address() as AddressInfo).port}`;

  base = `http://127.0.0.1:${await freePort()}`;
  idp = await startIdp([`${base}/oauth/callback`]);
  const deployment = newDeployment();
  const shared = {
    publicBaseUrl: base,
    jwtSigningKey: randomBytes(32).toString('hex'),
    consentSigningKey: randomBytes(32).toString('hex'),
  };
  const start = async () => {
    const store = await instanceStore(deployment);
    stores.push(store);
    // The documents are on loopback: the resolver's local-development opt-ins, explicitly.
    const cimd = new CimdClientResolver({ store, allowPrivateAddresses: true, allowHttp: true });
    return startInstance(idp, shared, {
      tokenStorage: createTokenStorage(store, { cimd }),
      encryptionKey: false,
      advertiseCimd: true,
    });
  };
  a = await start();
  b = await start();
});
afterAll(async () => {
  await Promise.all([a?.stop(), b?.stop()]);
  await Promise.all(stores.map((store) => store.close()));
  await idp?.close();
  await new Promise<void>((resolve) => documentServer?.close(() => resolve()));
});

describe('fastmcp OAuthProxy with CIMD through the shared storage', () => {
  it('advertises client_id_metadata_document_supported', async () => {
    const response = await fetch(via(a, publicUrl(base, '/.well-known/oauth-authorization-server')));
    expect(response.status).toBe(200);
    expect(((await response.json()) as Record<string, unknown>).client_id_metadata_document_supported).toBe(true);
  });

  it('a CIMD client authorizes on B, consents on A, lands on B, redeems on A; one document fetch', async () => {
    const clientId = serveDocument('client', (url) => ({
      client_id: url,
      client_name: 'fastmcp CIMD client',
      redirect_uris: [CLIENT_REDIRECT_URI],
      token_endpoint_auth_method: 'none',
    }));
    const { verifier, challenge } = pkce();
    const consentPage = await authorize(b, base, clientId, challenge);
    expect(consentPage.status).toBe(200);
    const consented = await approve(a, base, transactionIdOf(await consentPage.text()));
    expect(consented.status).toBe(302);
    const callback = await upstreamCallback(idp, consented.headers.get('location') as string);
    const landed = await fetch(via(b, callback), { redirect: 'manual' });
    expect(landed.status).toBe(302);
    const toClient = new URL(landed.headers.get('location') as string);
    expect(`${toClient.origin}${toClient.pathname}`).toBe(CLIENT_REDIRECT_URI);
    const code = toClient.searchParams.get('code') as string;
    const exchanged = await tokenRequest(a, base, {
      grant_type: 'authorization_code',
      client_id: clientId,
      code,
      code_verifier: verifier,
      redirect_uri: CLIENT_REDIRECT_URI,
    });
    expect(exchanged.status).toBe(200);
    expect(((await exchanged.json()) as { token_type: string }).token_type).toBe('Bearer');
    expect(hits.get(new URL(clientId).pathname)).toBe(1);
  });

  it('a refused document (client_id naming another URL) is an unknown client on both instances', async () => {
    const clientId = serveDocument('impostor', () => ({
      client_id: 'https://example.com/other.json',
      redirect_uris: [CLIENT_REDIRECT_URI],
    }));
    for (const instance of [a, b]) {
      const response = await authorize(instance, base, clientId, pkce().challenge);
      expect(response.status).toBeGreaterThanOrEqual(400);
      expect(response.status).toBeLessThan(500);
    }
    expect(hits.get(new URL(clientId).pathname)).toBe(1); // the refusal is cached fleet-wide
  });
});

describe('createTokenStorage cimd options', () => {
  it('rejects a cimd option that is not a resolver, and a non-positive local cache time', () => {
    const store = new MemoryStore();
    expect(() => createTokenStorage(store, { cimd: {} as never })).toThrow(ConfigurationError);
    const cimd = new CimdClientResolver({ store });
    expect(() => createTokenStorage(store, { cimd, cimdLocalCacheSeconds: 0 })).toThrow(ConfigurationError);
  });

  it('does not keep fastmcp write-backs of document clients, and leaves other keys alone', async () => {
    const store = new MemoryStore();
    const storage = createTokenStorage(store, { cimd: new CimdClientResolver({ store }) });
    await storage.save('client:https://example.com/client.json', { clientId: 'https://example.com/client.json' });
    expect((await store.list('fastmcp-client')).keys).toEqual([]);
    await storage.save('client:dcr-id', { clientId: 'dcr-id' });
    expect(await storage.get('client:dcr-id')).toEqual({ clientId: 'dcr-id' });
  });
});
