import { assert, assertAbsent, assertBytes } from '../assertions';
import { mapLimit, randomValue, utf8 } from '../bytes';
import { defineSuite } from '../context';
import { resolveOptions, type StoreContractOptions } from '../options';
import { perInstanceHint } from '../per-instance-hint';
import { raceTakeAcrossProcesses } from '../process/race-workers';
import { resolveHarness } from '../runner';
import { now, waitUntil } from '../timing';

/** Attempts of the cross-process race before it counts as never having raced. */
const CROSS_PROCESS_ATTEMPTS = 3;

/**
 * Atomic take: a missing or expired key gives undefined, a taken key is gone, and of many concurrent takers, from
 * several store instances and (with `processFactory`) from several OS processes, exactly one receives the value.
 */
export function runTakeTests(options: StoreContractOptions): void {
  const resolved = resolveOptions(options);
  const harness = resolveHarness(resolved.runner, resolved.testTimeoutMs);
  defineSuite(resolved, harness, 'take', 'atomic take', (ctx) => {
    const { ttlMs, expiryGraceMs, takeRounds, takeConcurrency, storeInstances, processFactory } = resolved;

    ctx.test('take of a missing key resolves undefined', () =>
      ctx.withStore(async (store) => {
        assertAbsent(await store.take(ctx.collection(), 'missing'), 'take of a key never written');
      }),
    );

    ctx.test('take returns the value once and removes the entry', () =>
      ctx.withStore(async (store) => {
        const collection = ctx.collection();
        const value = randomValue(48);
        await store.set(collection, 'code', value);
        assertBytes(await store.take(collection, 'code'), value, 'first take');
        assertAbsent(await store.get(collection, 'code'), 'get after take');
        assertAbsent(await store.take(collection, 'code'), 'second take');
        assert.equal(await store.delete(collection, 'code'), false, 'delete after take must resolve false');
      }),
    );

    ctx.test('take of an expired entry resolves undefined', () =>
      ctx.withStore(async (store) => {
        const collection = ctx.collection();
        await store.set(collection, 'code', utf8('expiring'), { ttlMs });
        await waitUntil(now() + ttlMs + expiryGraceMs);
        assertAbsent(await store.take(collection, 'code'), 'take of an expired entry');
      }),
    );

    ctx.test(
      `${takeConcurrency} concurrent takes of one key over ${storeInstances} instances: exactly one winner (${takeRounds} rounds)`,
      () =>
        ctx.withStores(storeInstances, async (stores) => {
          const collection = ctx.collection();
          const atomic = stores[0]!.capabilities.atomicTake;
          if (!atomic)
            resolved.log(
              `contract-tests: ${resolved.name} declares atomicTake: false; the race only checks that takes return the right value.`,
            );
          for (let round = 0; round < takeRounds; round += 1) {
            const key = `code-${round}`;
            const value = randomValue(16);
            await stores[round % stores.length]!.set(collection, key, value);
            // All takes start in the same tick, spread over the instances (connections).
            const results = await Promise.all(
              Array.from({ length: takeConcurrency }, (_, i) => stores[i % stores.length]!.take(collection, key)),
            );
            const winners = results.filter((result) => result !== undefined);
            if (atomic) {
              assert.equal(
                winners.length,
                1,
                `round ${round + 1}: ${winners.length} of ${takeConcurrency} concurrent takes received the value; exactly one must`,
              );
            }
            for (const winner of winners) assertBytes(winner, value, `round ${round + 1}: the value take returned`);
            assertAbsent(await stores[0]!.get(collection, key), `round ${round + 1}: get after the race`);
          }
        }),
    );

    ctx.test(`take racing delete: exactly one of them sees the live entry (${takeRounds} rounds)`, () =>
      ctx.withStores(2, async (stores) => {
        const collection = ctx.collection();
        const [a, b = a] = stores;
        // A store that declares take non-atomic promises nothing here (the race test above already logged that).
        const atomic = a!.capabilities.atomicTake;
        for (let round = 0; round < takeRounds; round += 1) {
          const key = `code-${round}`;
          await a!.set(collection, key, utf8('v'));
          const [taken, deleted] = await Promise.all([a!.take(collection, key), b!.delete(collection, key)]);
          const claims = (taken === undefined ? 0 : 1) + (deleted ? 1 : 0);
          if (!atomic) continue;
          assert.equal(
            claims,
            1,
            `round ${round + 1}: take got ${taken === undefined ? 'nothing' : 'the value'} and delete resolved ${deleted}; exactly one must see the entry`,
          );
        }
      }),
    );

    if (!processFactory) {
      resolved.log(
        `contract-tests: ${resolved.name}: cross-process take test NOT registered (no processFactory); adapters shared across processes should pass one.`,
      );
      return;
    }
    const workers = resolved.crossProcessWorkers;
    const count = resolved.crossProcessKeys;
    ctx.test(`${workers} OS processes race to take ${count} keys: every key is taken exactly once`, () =>
      ctx.withStore(async (store) => {
        // A race only proves something if the children really overlapped. When one child took every key (it started
        // late or ran slowly), the attempt is inconclusive and is repeated with fresh keys.
        for (let attempt = 1; attempt <= CROSS_PROCESS_ATTEMPTS; attempt += 1) {
          const collection = ctx.collection();
          const keys = Array.from({ length: count }, (_, i) => `code-${i}`);
          const values = new Map(keys.map((key) => [key, Buffer.from(randomValue(12)).toString('base64')]));
          await mapLimit(keys, 16, (key) => store.set(collection, key, Buffer.from(values.get(key)!, 'base64')));
          const reports = await raceTakeAcrossProcesses({
            factory: processFactory,
            workers,
            collection,
            keys,
            concurrency: 8,
            timeoutMs: resolved.crossProcessTimeoutMs,
          });
          const failures = reports.flatMap((report) => report.failures);
          assert.equal(
            failures.length,
            0,
            `takes failed in the children: ${failures
              .slice(0, 3)
              .map((f) => `${f.name}${f.code ? ` (${f.code})` : ''}: ${f.message}`)
              .join('; ')}`,
          );
          const winners = new Map<string, number>();
          for (const report of reports) {
            for (const [key, base64] of report.wins) {
              winners.set(key, (winners.get(key) ?? 0) + 1);
              assert.equal(base64, values.get(key), 'a child received a value that differs from the one written');
            }
          }
          const twice = [...winners].filter(([, times]) => times > 1).length;
          const never = keys.filter((key) => !winners.has(key)).length;
          assert.equal(twice, 0, `${twice} of ${count} keys were taken by more than one process`);
          assert.equal(
            never,
            0,
            `${never} of ${count} keys were taken by no process${never === count ? perInstanceHint('processes') : ''}`,
          );
          assert.equal(winners.size, count, 'the children reported keys that were never written');
          for (const key of keys.slice(0, 5)) assertAbsent(await store.get(collection, key), 'get after the race');
          if (reports.every((report) => report.wins.length > 0)) return;
        }
        assert.fail(
          `in ${CROSS_PROCESS_ATTEMPTS} attempts one child process took every key before the others started, so no race was observed; raise crossProcessKeys`,
        );
      }),
    );
  });
}
