/**
 * Microbenchmark of the envelope alone: µs per set/get/take through withEnvelopeEncryption over a MemoryStore (or a
 * Redis store with REDIS_URL), next to the same store without the envelope. Not a test; run by hand:
 *
 *   pnpm exec tsx --tsconfig packages/bench/tsconfig.json packages/envelope/test/support/microbench.ts [ops] [rounds]
 *
 * Keys are written once, then read, then taken (the benchmark's pattern). Reports the best round's CPU µs per
 * operation (wall µs with MICROBENCH_WALL=1). Add `node --cpu-prof` via
 * `NODE_OPTIONS=--cpu-prof` to profile.
 */
import { randomBytes } from 'node:crypto';
import { hrtime } from 'node:process';
import { type ByteStore, MemoryStore } from '@oauth-store/core';
import { withEnvelopeEncryption } from '@oauth-store/envelope';

const ops = Number(process.argv[2] ?? 20_000);
const rounds = Number(process.argv[3] ?? 5);
const value = randomBytes(1024);
const TTL_MS = 600_000;

async function openInner(prefix: string): Promise<ByteStore> {
  const url = process.env.REDIS_URL;
  if (!url) return new MemoryStore();
  const { connectedRedisStore } = await import('../fixtures/process-factory');
  return connectedRedisStore(url, prefix);
}

// CPU time of this process (user + system), which a busy shared machine disturbs far less than wall time. Over
// MemoryStore everything is CPU; over Redis, wall time also counts the round trips (MICROBENCH_WALL=1 reports it).
const wall = process.env.MICROBENCH_WALL === '1';
const clock = () => {
  if (wall) return Number(hrtime.bigint()) / 1000;
  const usage = process.cpuUsage();
  return usage.user + usage.system;
};

async function phase(store: ByteStore, op: 'set' | 'get' | 'take', tag: string): Promise<number> {
  const start = clock();
  for (let i = 0; i < ops; i++) {
    const key = `${tag}.${String(i).padStart(8, '0')}`;
    if (op === 'set') await store.set('codes', key, value, { ttlMs: TTL_MS });
    else if (op === 'get') await store.get('codes', key);
    else await store.take('codes', key);
  }
  return (clock() - start) / ops;
}

async function main(): Promise<void> {
  const plain = await openInner('mb-plain:');
  const enveloped = withEnvelopeEncryption(await openInner('mb-env:'), {
    keyring: { primary: { kid: 'k1', key: randomBytes(32) }, decryptOnly: [] },
  });
  const best: Record<string, number> = {};
  for (let round = 0; round < rounds; round++) {
    for (const [label, store] of [
      ['plain', plain],
      ['envelope', enveloped],
    ] as const) {
      const tag = `${round}.${label}`;
      for (const op of ['set', 'get', 'take'] as const) {
        const us = await phase(store, op, tag);
        const name = `${label} ${op}`;
        best[name] = Math.min(best[name] ?? Number.POSITIVE_INFINITY, us);
      }
    }
  }
  for (const op of ['set', 'get', 'take']) {
    const p = best[`plain ${op}`]!;
    const e = best[`envelope ${op}`]!;
    console.log(
      `${op.padEnd(5)} plain ${p.toFixed(2)} µs  envelope ${e.toFixed(2)} µs  (+${(e - p).toFixed(2)} µs, ${(e / p).toFixed(2)}x)`,
    );
  }
  await Promise.all([plain.close(), enveloped.close()]);
}

await main();
