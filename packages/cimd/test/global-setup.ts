import { ensureBackends } from '@oauth-store/test-servers';

/** Starts (or finds, via REDIS_URL / DATABASE_URL) throwaway Redis and PostgreSQL servers for the fleet test. */
export default async function setup() {
  (globalThis as { __oauthStoreStop?: () => Promise<void> }).__oauthStoreStop = await ensureBackends([
    'redis',
    'postgres',
  ]);
}
