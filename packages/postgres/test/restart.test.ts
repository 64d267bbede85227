import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { isOAuthStoreError } from '@oauth-store/core';
import {
  type PostgresShutdownMode,
  type RestartablePostgres,
  startPostgresServer,
} from '../../test-servers/src/postgres';
import { openPostgresStore, type PostgresStore } from '../src/index';
import { uniqueName, waitFor } from './helpers';

// A dedicated server, not the shared one: these tests stop and restart it.
const TIMEOUT_MS = 2000;
/** Longest any failed operation may take: the store's own bound plus scheduling slack on a busy machine. */
const FAILURE_BOUND_MS = TIMEOUT_MS + 1000;
let server: RestartablePostgres;

beforeAll(async () => {
  server = await startPostgresServer();
}, 60_000);

afterAll(async () => {
  await server?.stop();
});

const open = (table: string) =>
  openPostgresStore({ connectionString: server.url, table, timeoutMs: TIMEOUT_MS, pool: { max: 8 } });

interface Failure {
  error: unknown;
  elapsedMs: number;
}

/** Writers that record every acknowledged write and every failure until stopped. */
function startWorkload(store: PostgresStore, writers: number) {
  const acked = new Map<string, Uint8Array>();
  const failures: Failure[] = [];
  let running = true;
  const loops = Array.from({ length: writers }, async (_, writer) => {
    for (let i = 0; running; i++) {
      const key = `w${writer}-${i}`;
      const value = randomBytes(24);
      const started = Date.now();
      try {
        if (await store.set('acked', key, value, { ttlMs: 3_600_000 })) acked.set(key, value);
      } catch (error) {
        failures.push({ error, elapsedMs: Date.now() - started });
        // Client-side backoff while the server is down, so the loop does not spin on instant refusals.
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    }
  });
  return {
    acked,
    failures,
    async stop() {
      running = false;
      await Promise.all(loops);
    },
  };
}

async function expectAllAckedReadable(table: string, acked: Map<string, Uint8Array>): Promise<void> {
  const reader = await open(table);
  try {
    const missing: string[] = [];
    for (const [key, value] of acked) {
      const stored = await reader.get('acked', key);
      if (!stored || Buffer.compare(Buffer.from(stored), Buffer.from(value)) !== 0) missing.push(key);
    }
    expect(missing).toEqual([]);
  } finally {
    await reader.close();
  }
}

function expectBoundedUnavailable(failures: Failure[]): void {
  const wrongType = failures.filter(({ error }) => !isOAuthStoreError(error, 'unavailable'));
  expect(wrongType.map(({ error }) => String(error))).toEqual([]);
  const slowest = Math.max(0, ...failures.map(({ elapsedMs }) => elapsedMs));
  expect(slowest).toBeLessThan(FAILURE_BOUND_MS);
}

describe.each<PostgresShutdownMode>(['fast', 'immediate'])('PostgreSQL restart (%s shutdown) under load', (mode) => {
  it('fails in-flight operations with bounded unavailable errors, recovers, and loses no acknowledged write', async () => {
    const table = uniqueName('restart');
    const store = await open(table);
    const workload = startWorkload(store, 6);
    try {
      await waitFor(async () => workload.acked.size >= 150, 15_000, 'writes before the restart');
      await server.restart(mode);
      const ackedAtRestart = workload.acked.size;
      await waitFor(async () => workload.acked.size >= ackedAtRestart + 150, 15_000, 'writes after the restart');
    } finally {
      await workload.stop();
    }
    // Six writers were busy when PostgreSQL terminated their sessions: some operations must have failed...
    expect(workload.failures.length).toBeGreaterThan(0);
    // ...each with the typed error and within the bound (no hang)...
    expectBoundedUnavailable(workload.failures);
    // ...and every write that resolved true is still there, read through a brand-new pool.
    await expectAllAckedReadable(table, workload.acked);
    await store.close();
  }, 60_000);
});

describe('PostgreSQL down', () => {
  it('rejects every operation with unavailable while down, and the same store works after the server is back', async () => {
    const table = uniqueName('down');
    const store = await open(table);
    await store.set('c', 'before', new Uint8Array([1]));
    await server.halt('fast');
    try {
      const failures: Failure[] = [];
      const attempts = [
        () => store.get('c', 'before'),
        () => store.set('c', 'k', new Uint8Array([2])),
        () => store.set('c', 'k', new Uint8Array([2]), { onlyIfAbsent: true }),
        () => store.take('c', 'before'),
        () => store.delete('c', 'before'),
        () => store.list('c'),
        () => store.sweepExpired(),
        () => store.migrate(),
      ];
      for (const attempt of attempts) {
        const started = Date.now();
        await attempt().then(
          () => failures.push({ error: new Error('succeeded while the server was down'), elapsedMs: 0 }),
          (error: unknown) => failures.push({ error, elapsedMs: Date.now() - started }),
        );
      }
      expect(failures).toHaveLength(attempts.length);
      expectBoundedUnavailable(failures);
    } finally {
      await server.resume();
    }
    // The pool dropped its broken connections; the very next operations open fresh ones.
    expect(await store.get('c', 'before')).toEqual(new Uint8Array([1]));
    expect(await store.take('c', 'before')).toEqual(new Uint8Array([1]));
    expect(await store.set('c', 'after', new Uint8Array([3]))).toBe(true);
    await store.close();
  }, 60_000);
});
