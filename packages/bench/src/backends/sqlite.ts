/**
 * SQLite contenders on one database file in a fresh temporary directory (WAL mode), each with its own connection:
 * - raw: `@libsql/client` running the same statements the adapter sends (same table, BLOB keys, expiry parameter);
 * - adapter: the registry's `sqlite:` descriptor (`createSqliteStore({ url })`);
 * - envelope: the same adapter behind `withEnvelopeEncryption`.
 * No Keyv row: `@keyv/sqlite` needs the native `sqlite3` package, whose install step downloads a prebuilt binary (or
 * node-gyp headers) from outside the npm registry; this workspace does not build it (pnpm-workspace.yaml).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from '@libsql/client';
import type { BackendSetup, Contender } from '../contender';
import { closeAll, TTL_MS } from '../contender';
import { type CountingKeySource, encrypted } from '../envelope';
import { versionsOf } from '../versions';
import { openRegistered } from './registry-store';
import { storeContender } from './shared';

const TABLE = 'bench_store';
/** The adapter's default busy timeout, given to the raw connection too. */
const BUSY_TIMEOUT_MS = 5000;

// The adapter's statements (packages/sqlite/src/statements.ts) on its table.
const LIVE = '(expires_at IS NULL OR expires_at > ?)';
const SQL = {
  get: `SELECT value FROM "${TABLE}" WHERE collection = ? AND key = ? AND ${LIVE}`,
  set: `INSERT INTO "${TABLE}" (collection, key, value, expires_at) VALUES (?, ?, ?, ?)
ON CONFLICT (collection, key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at`,
  take: `DELETE FROM "${TABLE}" WHERE collection = ? AND key = ? RETURNING value, ${LIVE} AS live`,
};

function rawContender(file: string, value: Uint8Array): Contender & { version(): Promise<string> } {
  const client = createClient({ url: `file:${file}`, timeout: BUSY_TIMEOUT_MS });
  const collection = Buffer.from('raw');
  const key = (name: string) => Buffer.from(name);
  return {
    label: '@libsql/client (raw, same SQL)',
    role: 'raw',
    set: (name) => client.execute({ sql: SQL.set, args: [collection, key(name), value, Date.now() + TTL_MS] }),
    get: async (name) =>
      (await client.execute({ sql: SQL.get, args: [collection, key(name), Date.now()] })).rows[0]?.value,
    take: async (name) => {
      const row = (await client.execute({ sql: SQL.take, args: [collection, key(name), Date.now()] })).rows[0];
      return row?.live ? row.value : undefined;
    },
    version: async () => String((await client.execute('SELECT sqlite_version() AS v')).rows[0]?.v ?? 'unknown'),
    close: async () => client.close(),
  };
}

/** The SQLite setup: contenders in table order (raw first) and the envelope's load counter. */
export async function setupSqlite(value: Uint8Array): Promise<BackendSetup & { keySource: CountingKeySource }> {
  const dir = await mkdtemp(join(tmpdir(), 'oauth-store-bench-sqlite-'));
  const file = join(dir, 'bench.db');
  const url = `sqlite:${file}?table=${TABLE}`;
  // Creates the file in WAL mode and the table the raw contender uses too.
  const adapterStore = await openRegistered('sqlite', url);
  const { store: envelopeStore, keySource } = await encrypted(await openRegistered('sqlite', url));
  const raw = rawContender(file, value);
  const contenders = [
    raw,
    storeContender('createSqliteStore (ours)', 'adapter', adapterStore, 'adapter', value),
    storeContender('ours + envelope encryption', 'envelope', envelopeStore, 'envelope', value),
  ];
  return {
    name: 'sqlite',
    title: 'SQLite',
    contenders,
    operations: ['set', 'get', 'take'],
    throughput: true,
    versions: { 'SQLite library': await raw.version(), ...versionsOf(['@libsql/client'], ['sqlite', 'envelope']) },
    notes: [
      'One database file in WAL mode with SQLite’s default synchronous=FULL, on the machine’s disk; every contender has its own connection, and all writers share SQLite’s single write lock.',
      'Raw runs the adapter’s own statements (get: SELECT with the expiry test; set: INSERT … ON CONFLICT DO UPDATE; take: DELETE … RETURNING).',
      'No Keyv row: @keyv/sqlite depends on the native sqlite3 package, whose binary is downloaded from outside the npm registry at install time (not buildable here).',
    ],
    keySource,
    close: async () => {
      await closeAll(contenders.map((contender) => () => contender.close()));
      await rm(dir, { recursive: true, force: true });
    },
  };
}
