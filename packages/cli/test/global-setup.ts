import { ensureBackends } from '@oauth-store/test-servers';

/** Starts throwaway Redis and PostgreSQL servers (REDIS_URL, DATABASE_URL) for the whole package run. */
export default async function setup() {
  (globalThis as { __oauthStoreStop?: () => Promise<void> }).__oauthStoreStop = await ensureBackends([
    'redis',
    'postgres',
  ]);
}
