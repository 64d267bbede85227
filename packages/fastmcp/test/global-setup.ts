import { ensureBackends } from '@oauth-store/test-servers';

/** Starts (or finds, via REDIS_URL) a throwaway Redis shared by the two fastmcp instances under test. */
export default async function setup() {
  (globalThis as { __oauthStoreStop?: () => Promise<void> }).__oauthStoreStop = await ensureBackends(['redis']);
}
