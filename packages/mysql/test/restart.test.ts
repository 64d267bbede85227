// A throwaway MariaDB (started by @oauth-store/test-servers' startMariaDb, not the shared server) restarted under load: in-flight operations
// fail with bounded, typed unavailable errors, the same store recovers, and no acknowledged write is lost.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { isOAuthStoreError } from '@oauth-store/core';
import { startMariaDb, type ThrowawayMariaDb } from '@oauth-store/test-servers';
import { createMysqlStore, type MysqlStore } from '../src/index';

const TIMEOUT_MS = 2000;
let server: ThrowawayMariaDb;

beforeAll(async () => {
  server = await startMariaDb();
}, 120_000);

afterAll(async () => {
  await server?.stop();
}, 60_000);

async function until(condition: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('MariaDB restart under load', () => {
  it('fails in-flight operations with bounded unavailable errors, recovers, and loses no acknowledged write', async () => {
    const store: MysqlStore = await createMysqlStore({
      url: server.url,
      table: 'restart',
      timeoutMs: TIMEOUT_MS,
      pool: { connectionLimit: 6 },
    });
    const acked = new Map<string, Buffer>();
    const failures: Array<{ error: unknown; elapsedMs: number }> = [];
    let running = true;
    const loops = Array.from({ length: 6 }, async (_, writer) => {
      for (let i = 0; running; i++) {
        const key = `w${writer}-${i}`;
        const value = randomBytes(24);
        const started = Date.now();
        try {
          if (await store.set('acked', key, value, { onlyIfAbsent: true })) acked.set(key, value);
          if (i % 3 === 0) await store.take('acked', `w${writer}-none`);
        } catch (error) {
          failures.push({ error, elapsedMs: Date.now() - started });
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
      }
    });
    try {
      await until(() => acked.size >= 150, 'writes before the restart');
      await server.restart();
      const atRestart = acked.size;
      await until(() => acked.size >= atRestart + 150, 'writes after the restart', 40_000);
    } finally {
      running = false;
      await Promise.all(loops);
    }
    expect(failures.length).toBeGreaterThan(0);
    expect(
      failures.filter(({ error }) => !isOAuthStoreError(error, 'unavailable')).map(({ error }) => String(error)),
    ).toEqual([]);
    expect(Math.max(...failures.map(({ elapsedMs }) => elapsedMs))).toBeLessThan(TIMEOUT_MS * 2 + 1000);
    const missing = [];
    for (const [key, value] of acked) {
      const stored = await store.get('acked', key);
      if (!stored || Buffer.compare(Buffer.from(stored), value) !== 0) missing.push(key);
    }
    expect(missing).toEqual([]);
    await store.close();
  }, 120_000);
});
