/**
 * How many times a fixed-size run of encrypted operations loads key material from its key source. With a secret
 * manager behind the source, every load is a network round trip (and often a billed API call), so the target is one
 * load at start-up and none per operation.
 */
import { createRedisStore } from '@oauth-store/redis';
import { TTL_MS } from './contender';
import { encrypted } from './envelope';

/** Result of {@link countKeySourceLoads}. */
export interface KeyLoadResult {
  /** Operations run (set, get and take in turn). */
  readonly ops: number;
  /** `load()` calls the key source saw, start-up included. */
  readonly loads: number;
  /** Wall time of the run in seconds. */
  readonly seconds: number;
}

/**
 * Runs exactly `ops` operations (set, get, take of one key after another, 64 keys in flight) through a fresh
 * envelope-encrypted Redis store whose env key source counts its loads.
 */
export async function countKeySourceLoads(url: string, ops: number, value: Uint8Array): Promise<KeyLoadResult> {
  const { store, keySource } = await encrypted(await createRedisStore({ url, keyPrefix: 'bench-keyloads:' }));
  const started = performance.now();
  try {
    let done = 0;
    let nextKey = 0;
    const worker = async () => {
      while (done < ops) {
        const key = `keyloads.${nextKey++}`;
        const steps = [
          () => store.set('codes', key, value, { ttlMs: TTL_MS }),
          () => store.get('codes', key),
          () => store.take('codes', key),
        ];
        for (const step of steps) {
          if (done >= ops) break;
          done++;
          await step();
        }
      }
    };
    await Promise.all(Array.from({ length: 64 }, worker));
    return { ops: done, loads: keySource.loads, seconds: (performance.now() - started) / 1000 };
  } finally {
    await store.close();
  }
}
