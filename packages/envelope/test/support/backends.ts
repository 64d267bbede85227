// Real Redis and PostgreSQL stores for the hardening tests, plus the attacker's tools: each backend's own expiry
// metadata changed behind the store's back (Redis PERSIST, PostgreSQL UPDATE ... SET expires_at = NULL), through the
// official clients, as someone with access to the backend would.
import { randomBytes } from 'node:crypto';
import { type ByteStore, FRAME_MAGIC } from '@oauth-store/core';
import { openPostgresStore } from '@oauth-store/postgres';
import { createRedisStore } from '@oauth-store/redis';
import pg from 'pg';
import { createClient, RESP_TYPES } from 'redis';

/** The backends the hardening tests run on. */
export const BACKENDS = ['redis', 'postgres'] as const;
/** One of {@link BACKENDS}. */
export type Backend = (typeof BACKENDS)[number];

function env(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: the jest global setup should have started the server`);
  return value;
}

/** A place records live: a Redis key prefix or a PostgreSQL table, unique to the caller. */
export interface Location {
  readonly backend: Backend;
  /** Redis key prefix, or PostgreSQL table name. */
  readonly name: string;
}

/** A fresh location on `backend` (a new prefix or table), so tests never see each other's records. */
export function newLocation(backend: Backend): Location {
  const tag = randomBytes(4).toString('hex');
  return { backend, name: backend === 'redis' ? `hardening-${tag}:` : `hardening_${tag}` };
}

/** A plain (unencrypted) store at `location`, connected now. */
export async function openInner(location: Location): Promise<ByteStore> {
  if (location.backend === 'redis') {
    const store = await createRedisStore({ url: env('REDIS_URL'), keyPrefix: location.name });
    await store.get('warm-up', 'connect');
    return store;
  }
  return openPostgresStore({ connectionString: env('DATABASE_URL'), table: location.name, pool: { max: 2 } });
}

/**
 * Removes the backend's own expiry of one entry, leaving the stored bytes alone: `PERSIST` on the entry's Redis key,
 * `UPDATE ... SET expires_at = NULL` on its PostgreSQL row. Throws when there was nothing to change.
 */
export async function stripBackendExpiry(location: Location, collection: string, key: string): Promise<void> {
  if (location.backend === 'redis') {
    const client = createClient({ url: env('REDIS_URL') });
    await client.connect();
    try {
      // The entry is P{<collection as base64url>.<bucket>}e:<key> (packages/redis/src/key-layout.ts).
      const tag = Buffer.from(collection, 'utf8').toString('base64url');
      const names = await client.keys(`${location.name}{${tag}.*}e:${key}`);
      if (names.length !== 1) throw new Error(`expected one Redis entry for the key, found ${names.length}`);
      if ((await client.persist(names[0]!)) !== 1) throw new Error('PERSIST changed nothing: the entry had no TTL');
      // Contract v2 adapters store the runtime's record frame (0xF2 | expiry u64 | version | value), whose expiry is
      // unauthenticated metadata too: zero it ("never"), as an attacker would.
      const head = await client.withTypeMapping({ [RESP_TYPES.BLOB_STRING]: Buffer }).getRange(names[0]!, 0, 0);
      if (head?.[0] === FRAME_MAGIC) await client.setRange(names[0]!, 1, '\0'.repeat(8));
    } finally {
      await client.quit();
    }
    return;
  }
  const client = new pg.Client({ connectionString: env('DATABASE_URL') });
  await client.connect();
  try {
    const result = await client.query(
      // Also zero the expiry of the runtime's record frame (contract v2 adapters), if the value carries one.
      `UPDATE public.${location.name} SET expires_at = NULL,
         value = CASE WHEN get_byte(value, 0) = ${FRAME_MAGIC} THEN overlay(value PLACING '\\x0000000000000000'::bytea FROM 2 FOR 8) ELSE value END
       WHERE collection = $1 AND key = $2 AND expires_at IS NOT NULL`,
      [Buffer.from(collection, 'utf8'), Buffer.from(key, 'utf8')],
    );
    if (result.rowCount !== 1) throw new Error(`expected to clear one row's expiry, changed ${result.rowCount}`);
  } finally {
    await client.end();
  }
}

/** Drops a PostgreSQL table a test created (Redis prefixes are left to the throwaway server). */
export async function dropLocation(location: Location): Promise<void> {
  if (location.backend !== 'postgres') return;
  const client = new pg.Client({ connectionString: env('DATABASE_URL') });
  await client.connect();
  try {
    await client.query(`DROP TABLE IF EXISTS public.${location.name}`);
  } finally {
    await client.end();
  }
}
