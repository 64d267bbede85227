// The SSRF check runs on what DNS answers, and the connection is pinned to the checked address. A host name under
// .test cannot resolve in real DNS, so a successful fetch of http://docs.example.test/... proves the connection went
// to the address our resolver answered (Node did no lookup of its own).
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { MemoryStore } from '@oauth-store/core';
import { CimdClientResolver, CimdResolutionError, type HostResolver } from '../src/index';
import { type DocumentServer, documentFor, startDocumentServer } from './support/document-server';

let server: DocumentServer;
beforeAll(async () => {
  server = await startDocumentServer();
});
afterAll(async () => {
  await server?.close();
});

function resolverWith(answers: string[], options: { allowedAddresses?: string[] } = {}) {
  const asked: string[] = [];
  const resolveHost: HostResolver = async (hostname) => {
    asked.push(hostname);
    return answers.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };
  const resolver = new CimdClientResolver({ store: new MemoryStore(), allowHttp: true, resolveHost, ...options });
  return { resolver, asked };
}

describe('after DNS', () => {
  it('connects to the resolved, checked address (pinned): a .test name works through the resolver answer', async () => {
    server.serve('/pinned.json', { body: (u) => documentFor(u.replace('127.0.0.1', 'docs.example.test')) });
    const url = `http://docs.example.test:${server.port}/pinned.json`;
    const { resolver, asked } = resolverWith(['127.0.0.1'], { allowedAddresses: ['127.0.0.1'] });
    expect((await resolver.getClient(url))?.client_id).toBe(url);
    expect(asked).toEqual(['docs.example.test']);
  });

  it.each([
    ['a private address', ['10.0.0.7']],
    ['the metadata address', ['169.254.169.254']],
    ['an IPv4-mapped loopback', ['::ffff:127.0.0.1']],
    ['a public and a private address (rebinding)', ['93.184.216.34', '127.0.0.1']],
    ['no address', []],
  ])('refuses a name resolving to %s, before connecting', async (_name, answers) => {
    const before = server.hits.get('/never.json') ?? 0;
    server.serve('/never.json', { body: (u) => documentFor(u) });
    const { resolver } = resolverWith(answers);
    const error = await resolver
      .getClient(`http://evil.example.test:${server.port}/never.json`)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CimdResolutionError);
    expect((error as CimdResolutionError).reason).toBe('refused_address');
    expect(server.hits.get('/never.json') ?? 0).toBe(before);
  });
});
