import { setTimeout as sleep, setImmediate as yieldToOthers } from 'node:timers/promises';
import { assert, assertAbsent, assertBytes } from '../assertions';
import { randomValue, utf8 } from '../bytes';
import { defineSuite } from '../context';
import { listAll } from '../list-all';
import { resolveOptions, type StoreContractOptions } from '../options';
import { resolveHarness } from '../runner';

/** Short TTLs the boundary rounds use, in ms: 1 ms (the smallest) and a few more. */
const BOUNDARY_TTLS = [1, 2, 5, 10, 25];
/** Rounds per TTL: a 1 ms overrun shows only when the read lands in the deadline's own millisecond. */
const ROUNDS_PER_TTL = 6;

/**
 * Resolves at the first moment the wall clock (`Date.now`, the clock the contract's expiry is defined on) reads at
 * least `deadline`. Sleeps until shortly before, then yields to the event loop until the millisecond turns, so the
 * read that follows starts in the deadline's own millisecond rather than up to a timer tick later.
 */
async function reachWallClock(deadline: number): Promise<void> {
  for (let remaining = deadline - Date.now(); remaining > 0; remaining = deadline - Date.now()) {
    if (remaining > 3) await sleep(remaining - 2);
    else await yieldToOthers();
  }
}

/**
 * Expiry at millisecond precision, with no grace: the contract (v2) promises that no read STARTED after `set`
 * resolved + `ttlMs` (on the application's clock) sees the entry, on every backend, because the runtime frames each
 * record with its absolute expiry and filters on it. `expiryGraceMs` does not apply here.
 *
 * Each round sets entries with a short TTL, waits for the first millisecond at or past `resolved + ttlMs`, and at once
 * starts get, getEntry, take, delete, onlyIfAbsent, ifVersion and list against them.
 */
export function runExpiryPrecisionTests(options: StoreContractOptions): void {
  const resolved = resolveOptions(options);
  const harness = resolveHarness(resolved.runner, resolved.testTimeoutMs);
  defineSuite(resolved, harness, 'msttl', 'expiry at millisecond precision', (ctx) => {
    const { ttlMs } = resolved;

    ctx.test(
      `no read started at set resolved + ttlMs sees the entry (ttlMs ${BOUNDARY_TTLS.join(', ')}; ${ROUNDS_PER_TTL} rounds each)`,
      () =>
        ctx.withStore(async (store) => {
          const collection = ctx.collection();
          const failures: string[] = [];
          let round = 0;
          for (const ttl of BOUNDARY_TTLS) {
            for (let repeat = 0; repeat < ROUNDS_PER_TTL; repeat += 1) {
              round += 1;
              const key = (what: string) => `${what}-${round}`;
              const value = utf8('expiring');
              // One entry per method, so each method meets a fresh entry at the deadline. Written first with a long
              // TTL (the cas entry's version comes from that write), then rewritten with the short one, all at once:
              // the deadline that matters is when the LAST rewrite resolved (every entry expires no later than that).
              const kinds = ['get', 'entry', 'take', 'delete', 'create', 'cas'] as const;
              await Promise.all(kinds.map((kind) => store.set(collection, key(kind), value, { ttlMs: 3_600_000 })));
              const casBase = (await store.getEntry(collection, key('cas')))!.version;
              await Promise.all(
                kinds.map((kind) =>
                  kind === 'cas'
                    ? store.set(collection, key(kind), value, { ifVersion: casBase, ttlMs: ttl })
                    : store.set(collection, key(kind), value, { ttlMs: ttl }),
                ),
              );
              const setResolved = Date.now();
              const casVersion = await store.getEntry(collection, key('cas')).then((entry) => entry?.version);
              await reachWallClock(setResolved + ttl);
              const [got, entry, taken, deleted, created, casDone] = await Promise.all([
                store.get(collection, key('get')),
                store.getEntry(collection, key('entry')),
                store.take(collection, key('take')),
                store.delete(collection, key('delete')),
                store.set(collection, key('create'), utf8('new'), { onlyIfAbsent: true }),
                casVersion === undefined
                  ? Promise.resolve(false)
                  : store.set(collection, key('cas'), utf8('new'), { ifVersion: casVersion }),
              ]);
              const where = `ttlMs ${ttl}, round ${round}`;
              if (got !== undefined) failures.push(`${where}: get returned the entry`);
              if (entry !== undefined) failures.push(`${where}: getEntry returned the entry`);
              if (taken !== undefined) failures.push(`${where}: take returned the entry`);
              if (deleted) failures.push(`${where}: delete resolved true`);
              if (!created) failures.push(`${where}: onlyIfAbsent resolved false (the expired entry counted as live)`);
              if (casDone) failures.push(`${where}: compare-and-set on the expired entry's version resolved true`);
            }
          }
          assert.deepEqual(
            failures,
            [],
            `reads started at set resolved + ttlMs saw the entry (it outlived its TTL) in ${failures.length} checks`,
          );
        }),
    );

    ctx.test('list started at set resolved + ttlMs does not show the key', () =>
      ctx.withStore(async (store) => {
        const collection = ctx.collection();
        await store.set(collection, 'control', utf8('live'));
        const failures: number[] = [];
        for (let round = 0; round < 10; round += 1) {
          const ttl = BOUNDARY_TTLS[round % BOUNDARY_TTLS.length]!;
          await store.set(collection, 'expiring', utf8('soon gone'), { ttlMs: ttl });
          const setResolved = Date.now();
          await reachWallClock(setResolved + ttl);
          const listed = await listAll(store, collection, { limit: 10, maxPages: 5 }, 'list at the deadline');
          if (listed.includes('expiring')) failures.push(ttl);
        }
        assert.deepEqual(failures, [], 'list at set resolved + ttlMs showed the expired key (ttlMs of each failure)');
      }),
    );

    ctx.test('an entry is live until its deadline: reads that finished before set started + ttlMs see it', () =>
      ctx.withStore(async (store) => {
        const collection = ctx.collection();
        const value = randomValue(16);
        let checked = 0;
        for (let round = 0; round < 5; round += 1) {
          const started = Date.now();
          await store.set(collection, `k-${round}`, value, { ttlMs });
          const read = await store.get(collection, `k-${round}`);
          const entry = await store.getEntry(collection, `k-${round}`);
          // Only conclusive when the reads finished before the deadline (a slow round trip makes it inconclusive).
          if (Date.now() < started + ttlMs) {
            assertBytes(read, value, `get within ttlMs ${ttlMs} of the set`);
            assertBytes(entry?.value, value, `getEntry within ttlMs ${ttlMs} of the set`);
            checked += 1;
          }
        }
        if (checked === 0) {
          resolved.log(
            `contract-tests: ${resolved.name}: every round trip took longer than ttlMs ${ttlMs}; liveness before the deadline was not checked (raise ttlMs).`,
          );
        }
        assert.ok(true);
      }),
    );

    ctx.test('an entry set with ttlMs 1 is gone for a read started 1 ms after set resolved', () =>
      ctx.withStore(async (store) => {
        const collection = ctx.collection();
        for (let round = 0; round < 10; round += 1) {
          await store.set(collection, `k-${round}`, utf8('v'), { ttlMs: 1 });
          await reachWallClock(Date.now() + 1);
          assertAbsent(await store.get(collection, `k-${round}`), `round ${round + 1}: get 1 ms after a ttlMs 1 set`);
        }
      }),
    );
  });
}
