// Stores for the bridge tests (better-auth, keyv, oidc-provider): every "instance" opens its own connection (as
// separate processes would) to the servers the jest global setup started, so instances share state only through the
// backend. One copy here; each package's test/support/stores.ts re-exports it.
import { randomBytes } from 'node:crypto';
import type { ByteStore } from '@oauth-store/core';
import { openPostgresStore } from '@oauth-store/postgres';
import { createRedisStore } from '@oauth-store/redis';

/** The backends every provider test runs on. */
export const BACKENDS = ['redis', 'postgres'] as const;
/** One of {@link BACKENDS}. */
export type Backend = (typeof BACKENDS)[number];

function env(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: the jest global setup should have started the server`);
  return value;
}

/** A new connection to the backend; connected now, so a missing server fails here, loudly. */
export async function openStore(backend: Backend): Promise<ByteStore> {
  if (backend === 'redis') {
    const store = await createRedisStore({ url: env('REDIS_URL') });
    await store.get('warm-up', 'connect');
    return store;
  }
  return openPostgresStore({ connectionString: env('DATABASE_URL'), pool: { max: 4 } });
}

/** A collection prefix no other test uses, so tests sharing one server never see each other's records. */
export function uniquePrefix(tag: string): string {
  return `t-${tag}-${randomBytes(4).toString('hex')}:`;
}
