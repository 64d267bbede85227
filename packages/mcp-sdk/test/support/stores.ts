// Stores for the tests: each "instance" gets its own Redis connection (as separate processes would), wrapped with
// envelope encryption under one shared keyring, so they share state only through Redis.
import { randomBytes, randomUUID } from 'node:crypto';
import type { ByteStore } from '@oauth-store/core';
import { withEnvelopeEncryption } from '@oauth-store/envelope';
import { createRedisStore } from '@oauth-store/redis';

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
  return { keyPrefix: `mcp-sdk-test-${randomUUID()}:`, kek: randomBytes(32), hashKey: randomBytes(32) };
}

/** Collections whose key names are codes or token hashes: the backend sees only an HMAC of the name. */
const SECRET_NAMED = ['oauth-codes', 'oauth-code-tombstones', 'oauth-refresh-tokens', 'test-access-tokens'];

/** One instance's store: a new Redis connection, envelope-encrypted. */
export async function instanceStore(deployment: Deployment): Promise<ByteStore> {
  const inner = await createRedisStore({ url: redisUrl(), keyPrefix: deployment.keyPrefix });
  // Connect now (createRedisStore connects lazily) so a missing server fails here, loudly.
  await inner.get('warm-up', 'connect');
  const store = withEnvelopeEncryption(inner, {
    keyring: { primary: { kid: 'test-1', key: deployment.kek }, decryptOnly: [] },
    hashKeysIn: SECRET_NAMED,
    hashKey: deployment.hashKey,
  });
  await store.ready();
  return store;
}

/** The raw (unencrypted, unhashed) view of a deployment, to check what Redis really holds. */
export async function rawStore(deployment: Deployment): Promise<ByteStore> {
  const inner = await createRedisStore({ url: redisUrl(), keyPrefix: deployment.keyPrefix });
  await inner.get('warm-up', 'connect');
  return inner;
}
