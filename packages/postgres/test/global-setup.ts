import { ensureBackends } from '@oauth-store/test-servers';

/** Provides PostgreSQL for every test file: DATABASE_URL, else a throwaway loopback cluster. */
export default async function setup(): Promise<void> {
  // biome-ignore lint/suspicious/noExplicitAny: jest shares global setup state with teardown through globalThis.
  (globalThis as any).__oauthStoreStop = await ensureBackends(['postgres']);
}
