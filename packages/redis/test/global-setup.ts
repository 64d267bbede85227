import { ensureBackends } from '@oauth-store/test-servers';

/** Starts (or finds, via REDIS_URL / REDIS_CLUSTER_URLS) a standalone Redis and a 3-master Redis Cluster. */
export default async function setup() {
  (globalThis as { __oauthStoreStop?: () => Promise<void> }).__oauthStoreStop = await ensureBackends([
    'redis',
    'redis-cluster',
  ]);
}
