// Rewrap while the service writes, on a real Redis with separate connections (real concurrency, no hooks): a record
// an application instance took is never brought back, and a value it wrote is never replaced by an older one.
import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from '@jest/globals';
import type { ByteStore } from '@oauth-store/core';
import { inspectEnvelope, rewrap, withEnvelopeEncryption } from '../src/index';
import { connectedRedisStore } from './fixtures/process-factory';
import { material, newKey } from './support/keys';

const url = process.env.REDIS_URL;
if (!url) throw new Error('REDIS_URL is not set: the jest global setup should have started redis-server');

const KEYS = 300;
const WORKERS = 4;
const opened: ByteStore[] = [];
afterAll(async () => {
  await Promise.allSettled(opened.map((store) => store.close()));
});

async function redis(prefix: string): Promise<ByteStore> {
  const store = await connectedRedisStore(url!, prefix);
  opened.push(store);
  return store;
}

const text = (value: Uint8Array | undefined) => (value ? Buffer.from(value).toString('utf8') : undefined);

describe('rewrap under live traffic (redis, real concurrency)', () => {
  it('keeps every write and never resurrects a take', async () => {
    const prefix = `envelope-live-${randomUUID()}:`;
    const oldKey = newKey('old');
    const newPrimary = newKey('new');
    const rotated = material(newPrimary, oldKey);
    const seed = withEnvelopeEncryption(await redis(prefix), { keyring: material(oldKey) });
    const names = Array.from({ length: KEYS }, (_, i) => `k${String(i).padStart(4, '0')}`);
    const model = new Map<string, string | undefined>();
    await Promise.all(names.map((name) => seed.set('c', name, new TextEncoder().encode(`seed-${name}`))));
    for (const name of names) model.set(name, `seed-${name}`);

    let running = true;
    let gapMisses = 0;
    let operations = 0;
    const worker = async (index: number) => {
      const app = withEnvelopeEncryption(await redis(prefix), { keyring: rotated });
      const mine = names.filter((_, i) => i % WORKERS === index);
      let round = 0;
      while (running) {
        round += 1;
        for (const name of mine) {
          if (!running) break;
          // Mostly reads, some overwrites and takes: enough churn to race the pass, few enough writes that most
          // records are still under the old key when the pass reaches them.
          const roll = Math.random() * 100;
          operations += 1;
          if (roll < 4) {
            const value = `w${index}-r${round}-${name}`;
            await app.set('c', name, new TextEncoder().encode(value));
            model.set(name, value);
          } else if (roll < 6 && model.get(name) !== undefined) {
            const got = text(await app.take('c', name));
            if (got === undefined)
              gapMisses += 1; // the pass held it for one round trip; it comes back
            else {
              expect(got).toBe(model.get(name));
              model.set(name, undefined);
            }
          } else {
            const got = text(await app.get('c', name));
            if (got === undefined && model.get(name) !== undefined) gapMisses += 1;
            else expect(got).toBe(model.get(name));
          }
        }
      }
    };

    // Handled at once, so a failed check stops every worker before the stores are closed.
    const workers = Promise.all(
      Array.from({ length: WORKERS }, (_, i) =>
        worker(i).catch((error: unknown) => {
          running = false;
          throw error;
        }),
      ),
    );
    workers.catch(() => {});
    const result = await rewrap(await redis(prefix), rotated, { collections: ['c'], pageSize: 50 }).finally(() => {
      running = false;
    });
    await workers;

    const raw = await redis(prefix);
    const reader = withEnvelopeEncryption(await redis(prefix), { keyring: material(newPrimary) });
    for (const name of names) {
      const expected = model.get(name);
      if (expected === undefined) {
        expect(await raw.get('c', name)).toBeUndefined();
      } else {
        expect(inspectEnvelope((await raw.get('c', name))!).kid).toBe('new');
        expect(text(await reader.get('c', name))).toBe(expected);
      }
    }
    expect(result.failed).toBe(0);
    expect(result.scanned).toBeGreaterThan(0);
    // Make the run's shape visible in the test log (how much real interleaving happened).
    process.stderr.write(
      `[rewrap-live] ${operations} app operations during the pass; rewrap ${JSON.stringify({ ...result, primaryKid: undefined })}; reads/takes that hit the gap: ${gapMisses}\n`,
    );
  }, 60_000);
});
