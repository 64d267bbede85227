import { afterAll, beforeAll } from '@jest/globals';
// The MySQL package's test-server support (MYSQL_URL, else 127.0.0.1:3306, else a throwaway MariaDB; loud failure
// otherwise). It moves into @oauth-store/test-servers once the harness is driven by the adapter registry.
import { ensureMariaDb, type MariaDbServer } from '@oauth-store/test-servers';

/** Provides a MySQL/MariaDB connection string for the file's tests; call at the top level of a test file. */
export function useMariaDb(): () => string {
  let server: MariaDbServer | undefined;
  beforeAll(async () => {
    server = await ensureMariaDb();
  }, 120_000);
  afterAll(async () => {
    await server?.stop();
  });
  return () => {
    if (!server) throw new Error('no MySQL/MariaDB server: the beforeAll of useMariaDb() did not run');
    return server.url;
  };
}
