import { ensureBackends } from '@oauth-store/test-servers';

/**
 * Starts (or finds, via REDIS_URL / DATABASE_URL) throwaway Redis and PostgreSQL servers: the envelope-over-Redis
 * contract tests, and the hardening tests that attack records through each backend's own metadata.
 */
export default async function setup() {
  (globalThis as { __oauthStoreStop?: () => Promise<void> }).__oauthStoreStop = await ensureBackends([
    'redis',
    'postgres',
  ]);
}
