import { describe, it } from '@jest/globals';
import { runEncryptionContract } from '@oauth-store/contract-tests';
import { MemoryStore } from '@oauth-store/core';
import { inspectEnvelope, rewrap, withEnvelopeEncryption } from '../src/index';

runEncryptionContract({
  name: 'envelope over MemoryStore',
  runner: { describe, it },
  createInner: () => new MemoryStore(),
  wrap: (inner, keys) => withEnvelopeEncryption(inner, { keyring: keys }),
  rewrap: (inner, keys, collections) => rewrap(inner, keys, { collections }),
  readKid: (raw) => inspectEnvelope(raw).kid,
});
