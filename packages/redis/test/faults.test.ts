import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { ByteStore } from '@oauth-store/core';
import { Redis } from 'ioredis';
import { createClient } from 'redis';
// The harness package exports only its providers; the kill/pause/restart helpers are imported from their file.
import { freePort, type LocalRedisServer, startRedisServer } from '../../test-servers/src/redis';
import { createRedisStore } from '../src/index';
import { bytes, eventually } from './support';

/** The store's bound for every operation in these tests. */
const TIMEOUT_MS = 500;
/** What the test tolerates on top of it: timer and event-loop lag on a busy machine. */
const LAG_MS = 500;
/**
 * A write, delete or take whose outcome is unknown gets one more bounded step before it rejects: the runtime reads the
 * entry back to find out whether the write landed (its own-write check), with a deadline of its own.
 */
const MUTATION_BOUND_MS = 2 * TIMEOUT_MS + LAG_MS;
const READ_BOUND_MS = TIMEOUT_MS + LAG_MS;

type Kind = 'url' | 'node-redis' | 'ioredis';

interface Outcome {
  ok: boolean;
  code?: string;
  ms: number;
  /** The longest this operation may take. */
  bound: number;
}

async function timed(operation: () => Promise<unknown>, bound = READ_BOUND_MS): Promise<Outcome> {
  const start = performance.now();
  try {
    await operation();
    return { ok: true, ms: performance.now() - start, bound };
  } catch (error) {
    const code = (error as { code?: string }).code ?? String(error);
    return { ok: false, code, ms: performance.now() - start, bound };
  }
}

/** Resolves with `promise`, or fails the test if it does not settle within `ms`: a hang is a failure, not a wait. */
async function settlesWithin<T>(what: string, promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not settle within ${ms} ms (hang)`)), ms);
  });
  try {
    return await Promise.race([promise, hang]);
  } finally {
    clearTimeout(timer);
  }
}

/** Every store operation once, concurrently, each timed. */
function everyOperation(store: ByteStore, round: number): Array<Promise<Outcome>> {
  return [
    timed(() => store.get('c', 'k')),
    timed(() => store.set('c', `k-${round}`, bytes('v'), { ttlMs: 60_000 }), MUTATION_BOUND_MS),
    timed(() => store.set('c', `nx-${round}`, bytes('v'), { onlyIfAbsent: true }), MUTATION_BOUND_MS),
    timed(() => store.take('c', 'k'), MUTATION_BOUND_MS),
    timed(() => store.delete('c', 'k'), MUTATION_BOUND_MS),
    timed(() => store.list('c', { limit: 10 })),
  ];
}

describe.each(['url', 'node-redis', 'ioredis'] as Kind[])('outages via %s', (kind) => {
  let server: LocalRedisServer;
  const cleanup: Array<() => Promise<unknown>> = [];

  beforeAll(async () => {
    server = await startRedisServer();
  });
  afterAll(async () => {
    for (const close of cleanup.splice(0).reverse()) await close().catch(() => {});
    await server.stop();
  });

  async function newStore(): Promise<ByteStore> {
    let store: ByteStore;
    if (kind === 'url') {
      store = await createRedisStore({ url: server.url, commandTimeoutMs: TIMEOUT_MS });
    } else if (kind === 'node-redis') {
      // Default client options (offline queue on): the store must bound operations whatever the client does.
      const client = createClient({ url: server.url });
      client.on('error', () => {});
      await client.connect();
      cleanup.push(() => client.close());
      store = await createRedisStore({ client, commandTimeoutMs: TIMEOUT_MS });
    } else {
      const client = new Redis(server.url, { autoResendUnfulfilledCommands: false });
      client.on('error', () => {});
      cleanup.push(async () => client.disconnect());
      store = await createRedisStore({ client, commandTimeoutMs: TIMEOUT_MS });
    }
    cleanup.push(() => store.close());
    return store;
  }

  async function worksAgain(store: ByteStore): Promise<void> {
    await eventually(
      'the store works again after the restart',
      async () => (await timed(() => store.set('c', 'probe', bytes('p')))).ok,
      15_000,
    );
    expect(await store.set('c', 'after', bytes('v2'), { ttlMs: 60_000 })).toBe(true);
    expect(await store.get('c', 'after')).toEqual(bytes('v2'));
    expect((await store.list('c')).keys).toContain('after');
    expect(await store.take('c', 'after')).toEqual(bytes('v2'));
    expect(await store.take('c', 'after')).toBeUndefined();
  }

  it('server killed mid-workload: operations reject `unavailable` within the bound, none hang; the same store recovers on restart', async () => {
    const store = await newStore();
    await store.set('c', 'k', bytes('v'));
    const outcomes: Outcome[] = [];
    let running = true;
    let recovered = false;
    const workers = Array.from({ length: 4 }, async (_, worker) => {
      for (let round = 0; running; round++) {
        for (const outcome of await Promise.all(everyOperation(store, worker * 1_000_000 + round)))
          outcomes.push(outcome);
      }
    });

    try {
      await eventually('the workload is running', async () => outcomes.filter((o) => o.ok).length >= 60);
      await server.kill();
      const killedAt = outcomes.length;

      // Operations started during the outage.
      const during = await settlesWithin('operations during the outage', Promise.all(everyOperation(store, -1)), 5_000);
      for (const outcome of during) {
        expect(outcome).toMatchObject({ ok: false, code: 'unavailable' });
        expect(outcome.ms).toBeLessThan(outcome.bound);
      }
      await eventually('the workload saw the outage', async () => outcomes.slice(killedAt).some((o) => !o.ok));

      await server.restart();
      recovered = true;
      await worksAgain(store);
    } finally {
      // A failed expectation must not leave the workload running into the next tests, or the server down.
      running = false;
      if (!recovered) await server.restart().catch(() => {});
    }
    await settlesWithin('the workload', Promise.all(workers), 5_000);

    const failures = outcomes.filter((o) => !o.ok);
    expect(failures.length).toBeGreaterThan(0);
    expect(new Set(failures.map((o) => o.code))).toEqual(new Set(['unavailable']));
    // Every operation of the workload, before, during and after the outage, was bounded.
    expect(outcomes.filter((o) => o.ms >= o.bound)).toEqual([]);
  });

  it('server frozen (SIGSTOP, connections open but silent): operations reject `unavailable` within the bound; the same store works after SIGCONT', async () => {
    const store = await newStore();
    await store.set('c', 'k', bytes('v'));
    server.pause();
    try {
      const during = await settlesWithin(
        'operations on a frozen server',
        Promise.all(everyOperation(store, -2)),
        5_000,
      );
      for (const outcome of during) {
        expect(outcome).toMatchObject({ ok: false, code: 'unavailable' });
        expect(outcome.ms).toBeGreaterThanOrEqual(TIMEOUT_MS - 5);
        expect(outcome.ms).toBeLessThan(outcome.bound);
      }
    } finally {
      server.resume();
    }
    await worksAgain(store);
  });

  it('server down before the first operation: rejects `unavailable` within the bound, works once it is up', async () => {
    await server.kill();
    let store: ByteStore | undefined;
    try {
      if (kind === 'url') {
        // The store connects lazily, so it can be created while Redis is down.
        store = await newStore();
        const outcome = await settlesWithin(
          'get while down',
          timed(() => store!.get('c', 'k')),
          5_000,
        );
        expect(outcome).toMatchObject({ ok: false, code: 'unavailable' });
        expect(outcome.ms).toBeLessThan(TIMEOUT_MS + LAG_MS);
      }
    } finally {
      await server.restart();
    }
    await worksAgain(store ?? (await newStore()));
  });
});

describe('nothing listening', () => {
  it('url and clusterUrls stores reject `unavailable` within the bound and close promptly', async () => {
    const port = await freePort();
    for (const target of [{ url: `redis://127.0.0.1:${port}` }, { clusterUrls: [`redis://127.0.0.1:${port}`] }]) {
      const store = await createRedisStore({ ...target, commandTimeoutMs: TIMEOUT_MS });
      const outcome = await settlesWithin(
        'get with nothing listening',
        timed(() => store.get('c', 'k')),
        5_000,
      );
      expect(outcome).toMatchObject({ ok: false, code: 'unavailable' });
      expect(outcome.ms).toBeLessThan(TIMEOUT_MS + LAG_MS);
      const closing = await settlesWithin(
        'close',
        timed(() => store.close()),
        5_000,
      );
      expect(closing.ok).toBe(true);
      expect(closing.ms).toBeLessThan(TIMEOUT_MS + LAG_MS);
    }
  });
});
