/**
 * PostgreSQL contenders, each with its own `pg` pool of the same size:
 * - raw: `pg` running the same statements the adapter sends (same table, bytea columns, expiry as a parameter);
 * - adapter: the registry's `postgres://` descriptor (`openPostgresStore({ url })`);
 * - envelope: the same adapter behind `withEnvelopeEncryption`;
 * - Keyv with `@keyv/postgres` (its own table; take = get + delete).
 */
import KeyvPostgres from '@keyv/postgres';
import Keyv from 'keyv';
import pg from 'pg';
import type { BackendSetup, Contender } from '../contender';
import { closeAll, TTL_MS } from '../contender';
import { type CountingKeySource, encrypted } from '../envelope';
import { versionsOf } from '../versions';
import { openRegistered } from './registry-store';
import { keyvContender, storeContender } from './shared';

/** Connections per pool, for every contender (pg's default). */
export const POOL_SIZE = 10;
const TABLE = 'bench_store';

// The adapter's statements (packages/postgres/src/statements.ts) on the same table: collection and key are the UTF-8
// bytes, expiry is epoch milliseconds passed in by the application.
const LIVE = '(expires_at IS NULL OR expires_at > $3)';
const SQL = {
  get: `SELECT value FROM public.${TABLE} WHERE collection = $1 AND key = $2 AND ${LIVE}`,
  set: `INSERT INTO public.${TABLE} AS existing (collection, key, value, expires_at) VALUES ($1, $2, $3, $4)
ON CONFLICT (collection, key) DO UPDATE SET value = EXCLUDED.value, expires_at = EXCLUDED.expires_at`,
  take: `DELETE FROM public.${TABLE} WHERE collection = $1 AND key = $2 RETURNING value, ${LIVE} AS live`,
};

function rawContender(connectionString: string, value: Buffer): Contender & { pool: pg.Pool } {
  const pool = new pg.Pool({ connectionString, max: POOL_SIZE });
  const collection = Buffer.from('raw');
  const key = (name: string) => Buffer.from(name);
  return {
    label: 'pg (raw, same SQL)',
    role: 'raw',
    pool,
    set: (name) => pool.query(SQL.set, [collection, key(name), value, Date.now() + TTL_MS]),
    get: async (name) => (await pool.query(SQL.get, [collection, key(name), Date.now()])).rows[0]?.value,
    take: async (name) => {
      const row = (await pool.query(SQL.take, [collection, key(name), Date.now()])).rows[0];
      return row?.live ? row.value : undefined;
    },
    close: () => pool.end(),
  };
}

/** The PostgreSQL setup: contenders in table order (raw first) and the envelope's load counter. */
export async function setupPostgres(
  connectionString: string,
  value: Uint8Array,
): Promise<BackendSetup & { keySource: CountingKeySource }> {
  const url = new URL(connectionString);
  url.searchParams.set('table', TABLE);
  // Migrates the table the raw contender uses too. The adapter's pool is pg's default size, POOL_SIZE.
  const adapterStore = await openRegistered('postgres', url.href);
  const { store: envelopeStore, keySource } = await encrypted(await openRegistered('postgres', url.href));
  const raw = rawContender(connectionString, Buffer.from(value));
  const keyv = new Keyv({
    store: new KeyvPostgres({ uri: connectionString, table: 'bench_keyv', max: POOL_SIZE }),
    namespace: 'bench-keyv',
  });
  const contenders = [
    raw,
    storeContender('openPostgresStore (ours)', 'adapter', adapterStore, 'adapter', value),
    storeContender('ours + envelope encryption', 'envelope', envelopeStore, 'envelope', value),
    keyvContender('Keyv + @keyv/postgres', keyv, value, () => keyv.disconnect()),
  ];
  const server = (await raw.pool.query('SHOW server_version')).rows[0]?.server_version ?? 'unknown';
  return {
    name: 'postgres',
    title: 'PostgreSQL',
    contenders,
    operations: ['set', 'get', 'take'],
    throughput: true,
    versions: {
      'PostgreSQL server': String(server),
      ...versionsOf(['pg', 'keyv', '@keyv/postgres'], ['postgres', 'envelope']),
    },
    notes: [
      `Every contender has its own pg pool of ${POOL_SIZE} connections; at concurrency 64 requests queue for them.`,
      'Raw runs the adapter’s own statements (get: SELECT with the expiry test; set: INSERT … ON CONFLICT DO UPDATE; take: DELETE … RETURNING). Keyv’s table is `key varchar PRIMARY KEY, value text` holding JSON with base64 for bytes; its delete is a SELECT then a DELETE.',
    ],
    keySource,
    close: () => closeAll(contenders.map((contender) => () => contender.close())),
  };
}
