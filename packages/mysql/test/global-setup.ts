import { ensureMariaDb } from './mariadb-server';

/** Provides MySQL/MariaDB for every test file as MYSQL_URL (see mariadb-server.ts for where it comes from). */
export default async function setup(): Promise<void> {
  const server = await ensureMariaDb();
  process.env.MYSQL_URL = server.url;
  console.log(`[mysql tests] ${server.description}`);
  // biome-ignore lint/suspicious/noExplicitAny: jest shares global setup state with teardown through globalThis.
  (globalThis as any).__oauthStoreMysqlStop = server.stop;
}
