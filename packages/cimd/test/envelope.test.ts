// Cached documents live in the shared store like any other record, so the envelope wrapper encrypts them: the raw
// backend holds neither the document nor its URL.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { MemoryStore } from '@oauth-store/core';
import { envKeySource, withEnvelopeEncryption } from '@oauth-store/envelope';
import { CimdClientResolver } from '../src/index';
import { type DocumentServer, documentFor, startDocumentServer } from './support/document-server';

let server: DocumentServer;
beforeAll(async () => {
  server = await startDocumentServer();
});
afterAll(async () => {
  await server?.close();
});

describe('behind the envelope wrapper', () => {
  it('resolves and caches; the raw store holds no plaintext document or URL', async () => {
    const raw = new MemoryStore();
    const store = withEnvelopeEncryption(raw, {
      keySource: envKeySource({
        variable: 'CIMD_TEST_KEK',
        encoding: 'base64',
        env: { CIMD_TEST_KEK: randomBytes(32).toString('base64') },
      }),
    });
    const url = server.serve('/enveloped.json', {
      body: (u) => documentFor(u, { client_name: 'Plaintext Marker Client' }),
    });
    const resolver = new CimdClientResolver({ store, allowPrivateAddresses: true, allowHttp: true });
    expect((await resolver.getClient(url))?.client_name).toBe('Plaintext Marker Client');
    expect((await resolver.getClient(url))?.client_name).toBe('Plaintext Marker Client');
    expect(server.hits.get('/enveloped.json')).toBe(1);
    let found = 0;
    for (const collection of ['oauth-cimd']) {
      for (const key of (await raw.list(collection)).keys) {
        found += 1;
        const bytes = Buffer.from((await raw.get(collection, key)) ?? new Uint8Array()).toString('latin1');
        expect(bytes).not.toContain('Plaintext Marker Client');
        expect(bytes).not.toContain('enveloped.json');
        expect(key).not.toContain('enveloped');
      }
    }
    expect(found).toBeGreaterThan(0);
  });
});
