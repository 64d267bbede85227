import { describe, it } from '@jest/globals';
import { expectTypedOutcome, fuzzBridge } from '../../../scripts/test-support/fuzz-bridge';
import { createClientsStore, createOAuthClientPersistence } from '../src/index';

describe('fuzz: every entry point answers a value or a typed error, and writes nothing on error', () => {
  it('clientsStore: getClient, registerClient', async () => {
    await fuzzBridge(async ([id, client], store, writes) => {
      const clients = createClientsStore(store);
      await expectTypedOutcome(() => clients.getClient(id as never), writes);
      await expectTypedOutcome(() => clients.registerClient?.(client as never), writes);
    });
  });

  it('client persistence: save and read tokens, client information, verifier, discovery state', async () => {
    await fuzzBridge(async ([value, scope, other], store, writes) => {
      const persistence = createOAuthClientPersistence(store, { userId: 'u', serverUrl: 'https://mcp.example/mcp' });
      await expectTypedOutcome(() => persistence.saveTokens(value as never), writes);
      await expectTypedOutcome(() => persistence.saveClientInformation(value as never), writes);
      await expectTypedOutcome(() => persistence.saveCodeVerifier(value as never), writes);
      await expectTypedOutcome(() => persistence.saveDiscoveryState?.(other as never), writes);
      await expectTypedOutcome(() => persistence.tokens(), writes);
      await expectTypedOutcome(() => persistence.clientInformation(), writes);
      await expectTypedOutcome(() => persistence.invalidateCredentials(scope as never), writes);
    });
  });
});
