// The whole ByteStore contract on the envelope wrapper over the reference MemoryStore. Each MemoryStore instance has
// its own memory, hence sharedInstances: false and no cross-process test (the Redis file runs that one).
import { randomBytes } from 'node:crypto';
import { runStoreContract } from '@oauth-store/contract-tests';
import { MemoryStore } from '@oauth-store/core';
import { withEnvelopeEncryption } from '../src/index';

const keyring = { primary: { kid: 'contract-1', key: new Uint8Array(randomBytes(32)) }, decryptOnly: [] };

runStoreContract({
  name: 'envelope over memory',
  create: () => withEnvelopeEncryption(new MemoryStore(), { keyring }),
  sharedInstances: false,
  ttlMs: 300,
  log: () => undefined,
});
