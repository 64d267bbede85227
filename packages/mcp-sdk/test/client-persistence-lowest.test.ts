// The shared-login scenario (support/shared-login.ts) on SDK 1.27.0, the floor of the peer range. The persistence
// validates what it saves and reads with the SDK's own zod schemas (a run-time import of
// '@modelcontextprotocol/sdk/shared/auth.js'), so for this file that module is mapped to 1.27.0's (the alias
// @modelcontextprotocol/sdk-lowest): the bridge, the auth() that drives it and the authorization server (1.27.0's
// mcpAuthRouter on Express 5.1.0) are then all 1.27.0, as in an application that installed it. The mapping swaps one
// real SDK module for another; nothing is stubbed.
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import type { ByteStore } from '@oauth-store/core';
import { MemoryStore } from '@oauth-store/core';

jest.unstable_mockModule(
  '@modelcontextprotocol/sdk/shared/auth.js',
  () => import('@modelcontextprotocol/sdk-lowest/shared/auth.js'),
);

// After the mapping, so the bridge's modules see it.
const { createOAuthClientPersistence } = await import('../src/index');
const { expectSharedLogin } = await import('./support/shared-login');
const { startAuthServer } = await import('./support/http');
const { lowestV1, rangeFloor } = await import('./support/sdk-lines');
const { StoreBackedProvider } = await import('./support/store-provider');
const { instanceStore, newDeployment } = await import('./support/stores');
const [{ auth }, mappedSchemas, lowestSchemas] = await Promise.all([
  import('@modelcontextprotocol/sdk-lowest/client/auth.js'),
  import('@modelcontextprotocol/sdk/shared/auth.js'),
  import('@modelcontextprotocol/sdk-lowest/shared/auth.js'),
]);

const line = await lowestV1();

describe('OAuthClientProvider persistence driven by SDK 1.27.0 (the floor of the range)', () => {
  const stores: ByteStore[] = [];
  let server: Awaited<ReturnType<typeof startAuthServer>>;

  beforeAll(async () => {
    const deployment = newDeployment();
    stores.push(await instanceStore(deployment), await instanceStore(deployment));
    server = await startAuthServer(new StoreBackedProvider(new MemoryStore(), line.errors), line);
  });
  afterAll(async () => {
    await server?.close();
    await Promise.all(stores.map((store) => store.close()));
  });

  it("runs SDK 1.27.0: the bridge's schemas, auth() and the router are the alias's", () => {
    // The version of the package the alias resolves to (support/sdk-lines.ts reads its package.json).
    expect(line.versions.sdk).toBe(rangeFloor('peerDependencies', '@modelcontextprotocol/sdk'));
    expect(mappedSchemas.OAuthTokensSchema).toBe(lowestSchemas.OAuthTokensSchema);
    expect(mappedSchemas.OAuthClientInformationFullSchema).toBe(lowestSchemas.OAuthClientInformationFullSchema);
  });

  it("the bridge reads with 1.27.0's schema: `issuer`, which later SDKs added to the tokens, is dropped", async () => {
    const persistence = createOAuthClientPersistence(new MemoryStore(), {
      userId: 'u',
      serverUrl: 'http://127.0.0.1/',
    });
    await persistence.saveTokens({ access_token: 'a', token_type: 'Bearer', issuer: 'http://127.0.0.1/' } as never);
    expect(await persistence.tokens()).toEqual({ access_token: 'a', token_type: 'Bearer' });
  });

  it('starts authorization in one process and finishes it in the other; both then hold the tokens', async () => {
    await expectSharedLogin(auth, server.url, stores[0] as ByteStore, stores[1] as ByteStore);
  });
});
