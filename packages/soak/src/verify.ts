/**
 * The final read-back: after the workers stopped, a fresh process-local store (same backend, same keyring, never
 * broken) reads every client whose registration was acknowledged and never deleted.
 */
import type { ReadBack } from './checks';
import { openSoakStores, type StoreConfig } from './stores';

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
