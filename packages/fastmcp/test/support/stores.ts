// Stores for the tests: each fastmcp instance gets its own Redis connection (as separate processes would), wrapped
// with envelope encryption under one shared keyring, so instances share state only through Redis.
import { randomBytes, randomUUID } from 'node:crypto';
import type { ByteStore } from '@oauth-store/core';
import { withEnvelopeEncryption } from '@oauth-store/envelope';
import { createRedisStore } from '@oauth-store/redis';
import { secretKeyCollections } from '../../src/index';

/** The Redis the jest global setup started. */
export function redisUrl(): string {
  const url = process.env.REDIS_URL;
  if (!url) throw new Error('REDIS_URL is not set: the jest global setup should have started redis-server');
  return url;
}

/** Settings every instance of one deployment shares: key prefix and keys. */
export interface Deployment {
  keyPrefix: string;
  kek: Uint8Array;
  hashKey: Uint8Array;
}

/** A fresh deployment (its own key prefix in the shared Redis, its own throwaway keys). */
export function newDeployment(): Deployment {
  return { keyPrefix: `fastmcp-test-${randomUUID()}:`, kek: randomBytes(32), hashKey: randomBytes(32) };
}

/** The raw (unencrypted, unhashed) Redis view of a deployment, to check what the backend really holds. */
export async function rawStore(deployment: Deployment): Promise<ByteStore> {
  const inner = await createRedisStore({ url: redisUrl(), keyPrefix: deployment.keyPrefix });
  // Connect now (createRedisStore connects lazily) so a missing server fails here, loudly.
  await inner.get('warm-up', 'connect');
  return inner;
}

/** One instance's store: a new Redis connection, envelope-encrypted, code/token names hashed. */
export async function instanceStore(deployment: Deployment): Promise<ByteStore> {
  const store = withEnvelopeEncryption(await rawStore(deployment), {
    keyring: { primary: { kid: 'test-1', key: deployment.kek }, decryptOnly: [] },
    hashKeysIn: secretKeyCollections(),
    hashKey: deployment.hashKey,
  });
  await store.ready();
  return store;
}
