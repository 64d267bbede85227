// The envelope wrapper over the real Redis adapter, on a throwaway redis-server started by the harness: the whole
// store contract (including the cross-process take race in child processes) and the whole encryption suite.
import { randomBytes, randomUUID } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, it } from '@jest/globals';
import { runEncryptionContract, runStoreContract, tsxChildOptions } from '@oauth-store/contract-tests';
import type { ByteStore } from '@oauth-store/core';
import { inspectEnvelope, rewrap, withEnvelopeEncryption } from '../src/index';
import { type ChildStoreConfig, connectedRedisStore, createStore } from './fixtures/process-factory';

const here = dirname(fileURLToPath(import.meta.url));
const url = process.env.REDIS_URL;
if (!url) throw new Error('REDIS_URL is not set: the jest global setup should have started redis-server');

const config: ChildStoreConfig = {
  url,
  keyPrefix: `envelope-contract-${randomUUID()}:`,
  kid: 'redis-contract-1',
  keyBase64: randomBytes(32).toString('base64'),
};
let raw: ByteStore;
beforeAll(async () => {
  raw = await connectedRedisStore(url, config.keyPrefix);
});
afterAll(async () => {
  await raw?.close();
});

runStoreContract({
  name: 'envelope over redis',
  create: () => createStore(config),
  runner: { describe, it, beforeAll, afterAll },
  processFactory: {
    module: join(here, 'fixtures', 'process-factory.ts'),
    config,
    ...tsxChildOptions({ tsconfig: join(here, '..', 'tsconfig.json') }),
  },
  // White-box: what Redis really holds under the name (an envelope), read through a plain Redis store.
  rawReader: (collection, key) => raw.get(collection, key),
  maxValueBytesToTest: 256 * 1024,
  propertyRuns: 15,
});

runEncryptionContract({
  name: 'envelope over redis',
  runner: { describe, it },
  createInner: () => connectedRedisStore(url, `envelope-enc-${randomUUID()}:`),
  wrap: (inner, keys) => withEnvelopeEncryption(inner, { keyring: keys }),
  rewrap: (inner, keys, collections) => rewrap(inner, keys, { collections }),
  readKid: (bytes) => inspectEnvelope(bytes).kid,
});
