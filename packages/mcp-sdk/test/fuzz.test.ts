import { describe, expect, it } from '@jest/globals';
import { isOAuthStoreError } from '@oauth-store/core';
import {
  countingStore,
  expectTypedOutcome,
  fuzzBridge,
  IMPOSSIBLE_IDS,
} from '../../../scripts/test-support/fuzz-bridge';
import { createClientsStore, createOAuthClientPersistence } from '../src/index';

describe('fuzz: every entry point answers a value or a typed error, and writes nothing on error', () => {
  it('clientsStore: getClient, registerClient', async () => {
    await fuzzBridge(async (inputs, store, writes) => {
      const [id, client] = inputs;
      const clients = createClientsStore(store);
      await expectTypedOutcome(() => clients.getClient(id as never), writes, inputs);
      await expectTypedOutcome(() => clients.registerClient?.(client as never), writes, inputs);
    });
  });

  it('client persistence: save and read tokens, client information, verifier, discovery state', async () => {
    await fuzzBridge(async (inputs, store, writes) => {
      const [value, scope, other] = inputs;
      const persistence = createOAuthClientPersistence(store, { userId: 'u', serverUrl: 'https://mcp.example/mcp' });
      const typed = (call: () => unknown) => expectTypedOutcome(call, writes, inputs);
      await typed(() => persistence.saveTokens(value as never));
      await typed(() => persistence.saveClientInformation(value as never));
      await typed(() => persistence.saveCodeVerifier(value as never));
      await typed(() => persistence.saveDiscoveryState?.(other as never));
      await typed(() => persistence.tokens());
      await typed(() => persistence.clientInformation());
      await typed(() => persistence.discoveryState());
      await typed(() => persistence.invalidateCredentials(scope as never));
    });
  });

  it('getClient of a client_id no client can have is undefined (the SDK then answers 400 invalid_client)', async () => {
    const { store } = countingStore();
    const clients = createClientsStore(store);
    for (const id of IMPOSSIBLE_IDS) await expect(clients.getClient(id as never)).resolves.toBeUndefined();
  });

  it('saves refuse what would not read back, typed, without writing and without quoting the value', async () => {
    const { store, writes } = countingStore();
    const persistence = createOAuthClientPersistence(store, { userId: 'u', serverUrl: 'https://mcp.example/mcp' });
    const secret = 'secret-access-token-value';
    const refused = [
      () => persistence.saveTokens(undefined as never),
      () => persistence.saveTokens({ access_token: secret } as never),
      () => persistence.saveTokens({ access_token: 42, token_type: 'Bearer' } as never),
      () => persistence.saveClientInformation({ client_secret: secret } as never),
      () => persistence.saveDiscoveryState(Object.create(null) as never),
      () => persistence.saveCodeVerifier(undefined as never),
    ];
    for (const save of refused) {
      const error = await save().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(isOAuthStoreError(error, 'invalid_value')).toBe(true);
      expect((error as Error).message).not.toContain(secret);
    }
    expect(writes()).toBe(0);
    await persistence.saveTokens({ access_token: secret, token_type: 'Bearer' });
    await expect(persistence.tokens()).resolves.toEqual({ access_token: secret, token_type: 'Bearer' });
  });
});
