import { ensureBackends } from '@oauth-store/test-servers';

/** Provides MySQL/MariaDB for every test file as MYSQL_URL (see packages/test-servers/src/mysql.ts for where from). */
export default async function setup(): Promise<void> {
  // biome-ignore lint/suspicious/noExplicitAny: jest shares global setup state with teardown through globalThis.
  (globalThis as any).__oauthStoreStop = await ensureBackends(['mysql']);
}
