// The production path: an https client_id, TLS verified. The host's certificate is self-signed for 127.0.0.1 and
// trusted through the resolver's `tls.ca`; without it the handshake fails and the document is refused.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { MemoryStore } from '@oauth-store/core';
import { CimdClientResolver, CimdResolutionError } from '../src/index';
import { type DocumentServer, documentFor, startDocumentServer } from './support/document-server';

let server: DocumentServer;
let cert: string;

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'cimd-tls-'));
  try {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:P-256',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
      ],
      { stdio: 'ignore' },
    );
    cert = readFileSync(join(dir, 'cert.pem'), 'utf8');
    server = await startDocumentServer({ key: readFileSync(join(dir, 'key.pem'), 'utf8'), cert });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
afterAll(async () => {
  await server?.close();
});

describe('https documents', () => {
  it('resolves over verified TLS (no allowHttp needed)', async () => {
    const url = server.serve('/client.json', { body: (u) => documentFor(u) });
    expect(url.startsWith('https://127.0.0.1:')).toBe(true);
    const resolver = new CimdClientResolver({
      store: new MemoryStore(),
      allowPrivateAddresses: true,
      tls: { ca: cert },
    });
    expect((await resolver.getClient(url))?.client_id).toBe(url);
  });

  it('an untrusted certificate is refused as unreachable', async () => {
    const url = server.serve('/untrusted.json', { body: (u) => documentFor(u) });
    const resolver = new CimdClientResolver({ store: new MemoryStore(), allowPrivateAddresses: true });
    const error = await resolver.getClient(url).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CimdResolutionError);
    expect((error as CimdResolutionError).reason).toBe('unreachable');
  });
});
