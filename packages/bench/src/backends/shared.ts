/** Contenders that look the same on every backend: an oauth-store `ByteStore`, and a Keyv instance. */
import type { ByteStore } from '@oauth-store/core';
import type Keyv from 'keyv';
import { type Contender, type Role, TTL_MS } from '../contender';

/** A contender calling a {@link ByteStore} (our adapter, or the adapter behind the envelope wrapper). */
export function storeContender(
  label: string,
  role: Role,
  store: ByteStore,
  collection: string,
  value: Uint8Array,
): Contender {
  return {
    label,
    role,
    set: (key) => store.set(collection, key, value, { ttlMs: TTL_MS }),
    get: (key) => store.get(collection, key),
    take: (key) => store.take(collection, key),
    close: () => store.close(),
  };
}

/** Label of Keyv's stand-in for take, which Keyv does not have. */
export const KEYV_TAKE_NOTE = 'Keyv has no take: measured as get then delete (two calls, not atomic)';

/**
 * A contender calling Keyv. Keyv has no atomic take, so its take is `get` then `delete`: what an application on Keyv
 * has to write, and not safe against two concurrent redemptions of one code.
 */
export function keyvContender(label: string, keyv: Keyv, value: Uint8Array, close: () => Promise<void>): Contender {
  return {
    label,
    role: 'keyv',
    set: (key) => keyv.set(key, value, TTL_MS),
    get: (key) => keyv.get(key),
    take: async (key) => {
      const found = await keyv.get(key);
      await keyv.delete(key);
      return found;
    },
    takeNote: KEYV_TAKE_NOTE,
    close,
  };
}
