/**
 * The final read-back: after the workers stopped, a fresh process-local store (same backend, same keyring, never
 * broken) reads every client whose registration was acknowledged and never deleted.
 */
import type { ProbeReadBack, ReadBack } from './checks';
import { openSoakStores, PROBES_COLLECTION, type StoreConfig } from './stores';
import { PROBE_FIRST, PROBE_OVERWRITE } from './workload';

const ATTEMPTS = 3;
const CONCURRENCY = 8;

/** Reads each client id back; an id that still fails after a few attempts is `error`, not `missing`. */
export async function readBackClients(config: StoreConfig, ids: string[]): Promise<Map<string, ReadBack>> {
  const { clients, store } = await openSoakStores({ ...config, broken: undefined });
  const results = new Map<string, ReadBack>();
  const readOne = async (id: string): Promise<ReadBack> => {
    for (let attempt = 1; ; attempt++) {
      try {
        return (await clients.getClient(id))?.client_id === id ? 'found' : 'missing';
      } catch {
        if (attempt >= ATTEMPTS) return 'error';
        await new Promise((resolve) => setTimeout(resolve, 200 * attempt));
      }
    }
  };
  try {
    let next = 0;
    const lane = async () => {
      while (next < ids.length) {
        const id = ids[next++] as string;
        results.set(id, await readOne(id));
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, lane));
  } finally {
    await store.close().catch(() => {});
  }
  return results;
}

const same = (a: Uint8Array, b: Uint8Array) => Buffer.from(a).equals(Buffer.from(b));

/**
 * Reads back each probe key whose first write failed: which of the two values it holds (`first`: the failed write
 * is stored; `overwrite`: the acknowledged overwrite), `missing`, or `error` when it could not be read.
 */
export async function readBackProbes(config: StoreConfig, keys: string[]): Promise<Map<string, ProbeReadBack>> {
  const results = new Map<string, ProbeReadBack>();
  if (!keys.length) return results;
  const { store } = await openSoakStores({ ...config, broken: undefined });
  const readOne = async (key: string): Promise<ProbeReadBack> => {
    for (let attempt = 1; ; attempt++) {
      try {
        const value = await store.get(PROBES_COLLECTION, key);
        if (value === undefined) return 'missing';
        if (same(value, PROBE_FIRST)) return 'first';
        if (same(value, PROBE_OVERWRITE)) return 'overwrite';
        return 'error';
      } catch {
        if (attempt >= ATTEMPTS) return 'error';
        await new Promise((resolve) => setTimeout(resolve, 200 * attempt));
      }
    }
  };
  try {
    let next = 0;
    const lane = async () => {
      while (next < keys.length) {
        const key = keys[next++] as string;
        results.set(key, await readOne(key));
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, lane));
  } finally {
    await store.close().catch(() => {});
  }
  return results;
}
