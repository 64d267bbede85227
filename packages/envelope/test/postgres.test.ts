// The envelope wrapper over the real PostgreSQL adapter, on a throwaway server started by the harness: the whole store
// contract (without the cross-process race, which the Redis file runs) and the whole encryption suite.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, it } from '@jest/globals';
import { runEncryptionContract, runStoreContract } from '@oauth-store/contract-tests';
import type { ByteStore } from '@oauth-store/core';
import { inspectEnvelope, rewrap, withEnvelopeEncryption } from '../src/index';
import { dropLocation, type Location, newLocation, openInner } from './support/backends';

const locations: Location[] = [];
afterAll(async () => {
  await Promise.allSettled(locations.map(dropLocation));
});

async function inner(): Promise<ByteStore> {
  const location = newLocation('postgres');
  locations.push(location);
  return openInner(location);
}

const shared = newLocation('postgres');
locations.push(shared);
const keyring = { primary: { kid: 'pg-contract-1', key: new Uint8Array(randomBytes(32)) }, decryptOnly: [] };
let raw: ByteStore;
beforeAll(async () => {
  raw = await openInner(shared);
});
afterAll(async () => {
  await raw?.close();
});

runStoreContract({
  name: 'envelope over postgres',
  create: async () => withEnvelopeEncryption(await openInner(shared), { keyring }),
  runner: { describe, it, beforeAll, afterAll },
  rawReader: (collection, key) => raw.get(collection, key),
  maxValueBytesToTest: 256 * 1024,
  propertyRuns: 10,
  log: () => undefined,
});

runEncryptionContract({
  name: 'envelope over postgres',
  runner: { describe, it },
  createInner: inner,
  wrap: (store, keys) => withEnvelopeEncryption(store, { keyring: keys }),
  rewrap: (store, keys, collections) => rewrap(store, keys, { collections }),
  readKid: (bytes) => inspectEnvelope(bytes).kid,
});
