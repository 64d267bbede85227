/**
 * MySQL/MariaDB contenders, each with its own mysql2 pool of the same size:
 * - raw: mysql2 running the same statements the adapter sends (same table, binary keys, expiry parameter);
 * - adapter: the registry's `mysql://` descriptor (`createMysqlStore({ url })`);
 * - envelope: the same adapter behind `withEnvelopeEncryption`;
 * - Keyv with `@keyv/mysql` (its own table; take = get + delete).
 */
import KeyvMysql from '@keyv/mysql';
import Keyv from 'keyv';
import mysql from 'mysql2/promise';
import type { BackendSetup, Contender } from '../contender';
import { closeAll, TTL_MS } from '../contender';
import { type CountingKeySource, encrypted } from '../envelope';
import { versionsOf } from '../versions';
import { openRegistered } from './registry-store';
import { keyvContender, storeContender } from './shared';

/** Connections per pool, for every contender (the adapter's default). */
export const POOL_SIZE = 10;
const TABLE = 'bench_store';

// The adapter's statements (packages/mysql/src/statements.ts) on its table; take is MariaDB's DELETE … RETURNING,
// which the adapter picks on MariaDB.
const LIVE = '(expires_at IS NULL OR expires_at > ?)';
const SQL = {
  get: `SELECT value FROM \`${TABLE}\` WHERE collection = ? AND \`key\` = ? AND ${LIVE}`,
  set: `INSERT INTO \`${TABLE}\` (collection, \`key\`, value, expires_at) VALUES (?, ?, ?, ?) ON DUPLICATE KEY UPDATE value = VALUES(value), expires_at = VALUES(expires_at)`,
  take: `DELETE FROM \`${TABLE}\` WHERE collection = ? AND \`key\` = ? RETURNING value, ${LIVE} AS live`,
};

function rawContender(url: string, value: Buffer): Contender & { pool: mysql.Pool } {
  const pool = mysql.createPool({ uri: url, connectionLimit: POOL_SIZE });
  const collection = Buffer.from('raw');
  const key = (name: string) => Buffer.from(name);
  type Rows = mysql.RowDataPacket[];
  return {
    label: 'mysql2 (raw, same SQL)',
    role: 'raw',
    pool,
    set: (name) => pool.execute(SQL.set, [collection, key(name), value, Date.now() + TTL_MS]),
    get: async (name) => (await pool.execute<Rows>(SQL.get, [collection, key(name), Date.now()]))[0][0]?.value,
    take: async (name) => {
      const row = (await pool.execute<Rows>(SQL.take, [collection, key(name), Date.now()]))[0][0];
      return row?.live ? row.value : undefined;
    },
    close: () => pool.end(),
  };
}

/** The MySQL/MariaDB setup: contenders in table order (raw first) and the envelope's load counter. */
export async function setupMysql(
  url: string,
  value: Uint8Array,
): Promise<BackendSetup & { keySource: CountingKeySource }> {
  const withTable = `${url}${url.includes('?') ? '&' : '?'}table=${TABLE}`;
  // Migrates the table the raw contender uses too.
  const adapterStore = await openRegistered('mysql', withTable);
  const { store: envelopeStore, keySource } = await encrypted(await openRegistered('mysql', withTable));
  const raw = rawContender(url, Buffer.from(value));
  const keyv = new Keyv({
    // Keyv's adapter has no pool-size option (it keeps mysql2's default pool of 10, the same size).
    store: new KeyvMysql({ uri: url, table: 'bench_keyv' }),
    namespace: 'bench-keyv',
  });
  const contenders = [
    raw,
    storeContender('createMysqlStore (ours)', 'adapter', adapterStore, 'adapter', value),
    storeContender('ours + envelope encryption', 'envelope', envelopeStore, 'envelope', value),
    keyvContender('Keyv + @keyv/mysql', keyv, value, () => keyv.disconnect()),
  ];
  const [rows] = await raw.pool.query<mysql.RowDataPacket[]>('SELECT VERSION() AS v');
  return {
    name: 'mysql',
    title: 'MySQL/MariaDB',
    contenders,
    operations: ['set', 'get', 'take'],
    throughput: true,
    versions: {
      'MySQL/MariaDB server': String(rows[0]?.v ?? 'unknown'),
      ...versionsOf(['mysql2', 'keyv', '@keyv/mysql'], ['mysql', 'envelope']),
    },
    notes: [
      `Every contender has its own mysql2 pool of ${POOL_SIZE} connections; at concurrency 64 requests queue for them.`,
      'Raw runs the adapter’s own statements (get: SELECT with the expiry test; set: INSERT … ON DUPLICATE KEY UPDATE; take: MariaDB’s DELETE … RETURNING, what the adapter uses on MariaDB). Keyv’s table holds JSON text; its take is get then delete, not atomic.',
    ],
    keySource,
    close: () => closeAll(contenders.map((contender) => () => contender.close())),
  };
}
