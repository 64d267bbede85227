import { ensureBackends } from '@oauth-store/test-servers';

export default async function setup() {
  (globalThis as { __oauthStoreStop?: () => Promise<void> }).__oauthStoreStop = await ensureBackends(['gcs']);
}
