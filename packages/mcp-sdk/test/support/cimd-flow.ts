// The README's CIMD example as a test body, shared by the SDK v1 and SDK v2 runs: two instances of the example app
// (each with its own Redis connection, as two processes would have), a client metadata document served on loopback,
// the client authorizing on one instance and exchanging its code on the other.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { ByteStore } from '@oauth-store/core';
import { createRedisStore } from '@oauth-store/redis';
import express from 'express';
import type { createCimdAuthApp } from '../fixtures/readme-cimd-server';
import { authorize, listen, pkce, type Running, register, token } from './http';
import { redisUrl } from './stores';

const REDIRECT_URI = 'http://127.0.0.1:9/callback';

/** Declares the suite; `load` imports the fixture (after the v1 run has pointed its SDK imports at SDK 1.x). */
export function describeCimdFlow(line: string, load: () => Promise<typeof createCimdAuthApp>): void {
  describe(`README CIMD example on ${line}: two mcpAuthRouter instances, one shared Redis`, () => {
    const stores: ByteStore[] = [];
    const running: Running[] = [];
    const hits = new Map<string, number>();
    const documents = new Map<string, (url: string) => unknown>();
    let documentServer: Server;
    let documentOrigin = '';
    let first: URL;
    let second: URL;

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
      const createApp = await load();
      const prefix = `cimd-readme-${randomBytes(4).toString('hex')}:`;
      const start = async () => {
        const store = await createRedisStore({ url: redisUrl(), keyPrefix: prefix });
        stores.push(store);
        const holder = express();
        const instance = await listen(holder);
        running.push(instance);
        holder.use(createApp({ store, issuerUrl: instance.url, allowLoopbackDocuments: true }));
        return instance.url;
      };
      first = await start();
      second = await start();
    });
    afterAll(async () => {
      for (const instance of running) await instance.close();
      await Promise.all(stores.map((store) => store.close()));
      await new Promise<void>((resolve) => documentServer?.close(() => resolve()));
    });

    function serveDocument(name: string, document: (url: string) => unknown): string {
      const path = `/${name}-${randomBytes(4).toString('hex')}.json`;
      documents.set(path, document);
      return `${documentOrigin}${path}`;
    }

    it('the README shows the example file verbatim', () => {
      const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
      const readme = readFileSync(join(root, 'README.md'), 'utf8');
      const marker = '<!-- example: test/fixtures/readme-cimd-server.ts -->';
      const block = /```ts\n([\s\S]*?)```/.exec(readme.slice(readme.indexOf(marker)))?.[1];
      expect(readme.includes(marker)).toBe(true);
      expect(block).toBe(readFileSync(join(root, 'test', 'fixtures', 'readme-cimd-server.ts'), 'utf8'));
    });

    it('advertises client_id_metadata_document_supported on every instance', async () => {
      for (const instance of [first, second]) {
        const response = await fetch(new URL('/.well-known/oauth-authorization-server', instance));
        expect(response.status).toBe(200);
        const metadata = (await response.json()) as Record<string, unknown>;
        expect(metadata.client_id_metadata_document_supported).toBe(true);
        expect(metadata.issuer).toBe(instance.href);
      }
    });

    it('a CIMD client authorizes on one instance and exchanges its code on the other; one document fetch', async () => {
      const clientId = serveDocument('client', (url) => ({
        client_id: url,
        client_name: 'README CIMD client',
        redirect_uris: [REDIRECT_URI],
        token_endpoint_auth_method: 'none',
      }));
      const { verifier, challenge } = pkce();
      const authorized = await authorize(first, { clientId, redirectUri: REDIRECT_URI, challenge, state: 's1' });
      expect(authorized.status).toBe(302);
      const location = new URL(authorized.headers.get('location') ?? '');
      expect(location.searchParams.get('state')).toBe('s1');
      const code = location.searchParams.get('code') as string;
      const exchanged = await token(second, {
        grant_type: 'authorization_code',
        client_id: clientId,
        code,
        code_verifier: verifier,
        redirect_uri: REDIRECT_URI,
      });
      expect(exchanged.status).toBe(200);
      expect(((await exchanged.json()) as { token_type: string }).token_type).toBe('Bearer');
      const replay = await token(first, {
        grant_type: 'authorization_code',
        client_id: clientId,
        code,
        code_verifier: verifier,
      });
      expect(replay.status).toBe(400);
      // /authorize on one instance and /token twice on the others: the document was fetched once, by the fleet.
      expect(hits.get(new URL(clientId).pathname)).toBe(1);
    });

    it('refuses a redirect_uri the document does not list', async () => {
      const clientId = serveDocument('strict', (url) => ({ client_id: url, redirect_uris: [REDIRECT_URI] }));
      const response = await authorize(second, {
        clientId,
        redirectUri: 'http://127.0.0.1:9/elsewhere',
        challenge: pkce().challenge,
        state: 's',
      });
      expect(response.status).toBe(400);
    });

    it('answers invalid_client with the reason for a document naming another client_id', async () => {
      const clientId = serveDocument('impostor', () => ({
        client_id: 'https://example.com/other.json',
        redirect_uris: [REDIRECT_URI],
      }));
      for (const instance of [first, second]) {
        const response = await authorize(instance, {
          clientId,
          redirectUri: REDIRECT_URI,
          challenge: pkce().challenge,
          state: 's',
        });
        expect(response.status).toBe(400);
        const body = (await response.json()) as { error: string; error_description: string };
        expect(body.error).toBe('invalid_client');
        expect(body.error_description).toMatch(/client_id/);
      }
      // The failure is negative-cached in the shared store: the second instance did not fetch again.
      expect(hits.get(new URL(clientId).pathname)).toBe(1);
    });

    it('still serves DCR clients: register on one instance, authorize on the other', async () => {
      const registered = await register(first, { redirect_uris: [REDIRECT_URI], token_endpoint_auth_method: 'none' });
      expect(registered.status).toBe(201);
      const { client_id } = (await registered.json()) as { client_id: string };
      const { verifier, challenge } = pkce();
      const authorized = await authorize(second, {
        clientId: client_id,
        redirectUri: REDIRECT_URI,
        challenge,
        state: 's',
      });
      expect(authorized.status).toBe(302);
      const code = new URL(authorized.headers.get('location') ?? '').searchParams.get('code') as string;
      const exchanged = await token(first, {
        grant_type: 'authorization_code',
        client_id,
        code,
        code_verifier: verifier,
      });
      expect(exchanged.status).toBe(200);
    });
  });
}
