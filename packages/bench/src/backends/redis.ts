/**
 * Redis contenders, each on its own connection to the same server:
 * - raw: node-redis `SET key value PX ttl`, `GET`, `GETDEL` (bulk strings as Buffers, as a byte store needs);
 * - adapter: the registry's `redis://` descriptor (`createRedisStore({ url })`) (GET; set is a pipelined ZADD, SET, ZADD that keeps the list index; take is GETDEL);
 * - envelope: the same adapter behind `withEnvelopeEncryption` (envKeySource behind a load counter);
 * - Keyv with `@keyv/redis` (take = get + delete).
 */

import KeyvRedis from '@keyv/redis';
import Keyv from 'keyv';
import { createClient, RESP_TYPES } from 'redis';
import type { BackendSetup, Contender } from '../contender';
import { closeAll, TTL_MS } from '../contender';
import { type CountingKeySource, encrypted } from '../envelope';
import { versionsOf } from '../versions';
import { openRegistered } from './registry-store';
import { keyvContender, storeContender } from './shared';

/** Reads `redis_version` from INFO. */
async function serverVersion(url: string): Promise<string> {
  const client = await createClient({ url }).connect();
  try {
    const info = await client.info('server');
    return /redis_version:(\S+)/.exec(info)?.[1] ?? 'unknown';
  } finally {
    await client.close();
  }
}

async function rawContender(url: string, value: Buffer): Promise<Contender> {
  const client = await createClient({ url }).connect();
  const bytes = client.withTypeMapping({ [RESP_TYPES.BLOB_STRING]: Buffer });
  const prefix = 'bench-raw:';
  return {
    label: 'node-redis (raw)',
    role: 'raw',
    set: (key) => client.set(prefix + key, value, { expiration: { type: 'PX', value: TTL_MS } }),
    get: (key) => bytes.get(prefix + key),
    take: (key) => bytes.getDel(prefix + key),
    close: async () => {
      await client.close();
    },
  };
}

/** The Redis setup: contenders in table order (raw first) and the envelope's load counter. */
export async function setupRedis(
  url: string,
  value: Uint8Array,
): Promise<BackendSetup & { keySource: CountingKeySource }> {
  const raw = await rawContender(url, Buffer.from(value));
  const adapterStore = await openRegistered('redis', `${url}?prefix=bench-adapter:`);
  const { store: envelopeStore, keySource } = await encrypted(
    await openRegistered('redis', `${url}?prefix=bench-envelope:`),
  );
  const keyvStore = new KeyvRedis(url);
  const keyv = new Keyv({ store: keyvStore, namespace: 'bench-keyv' });
  const contenders = [
    raw,
    storeContender('createRedisStore (ours)', 'adapter', adapterStore, 'codes', value),
    storeContender('ours + envelope encryption', 'envelope', envelopeStore, 'codes', value),
    keyvContender('Keyv + @keyv/redis', keyv, value, () => keyv.disconnect()),
  ];
  return {
    name: 'redis',
    title: 'Redis',
    contenders,
    operations: ['set', 'get', 'take'],
    throughput: true,
    versions: {
      'Redis server': await serverVersion(url),
      ...versionsOf(['redis', 'keyv', '@keyv/redis'], ['redis', 'envelope']),
    },
    notes: [
      'Each contender has its own connection. Every set carries a 10-minute TTL.',
      'Ours: get is one GET; take is one GETDEL; set is one round trip of three pipelined commands (ZADD into the bucket’s key index, SET, ZADD again), so `list` finds the key; index members of taken keys are removed lazily (by `list` and by a small sweep pipelined with every 16th write).',
    ],
    keySource,
    close: () => closeAll(contenders.map((contender) => () => contender.close())),
  };
}
