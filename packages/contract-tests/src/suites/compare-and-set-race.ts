import { assert, assertAbsent, assertBytes } from '../assertions';
import { mapLimit, randomValue, utf8 } from '../bytes';
import { defineSuite } from '../context';
import { resolveOptions, type StoreContractOptions } from '../options';
import { perInstanceHint } from '../per-instance-hint';
import { type CasRound, raceCompareAndSetAcrossProcesses } from '../process/race-workers';
import { resolveHarness } from '../runner';

/**
 * Attempts of the race before it counts as never having raced (one child won every round); each attempt has twice
 * the rounds of the one before.
 */
const ATTEMPTS = 3;

/**
 * Compare-and-set across OS processes: `casRaceWorkers` children (default 4), built by `processFactory`, each write (or,
 * on every third round, delete) every round's key on the same version, read once by the parent. Exactly one child may
 * win each round, and the stored value must be that child's. Registered only with a `processFactory` and on stores
 * declaring `capabilities.compareAndSet` (atomic across processes).
 */
export function runCompareAndSetRaceTests(options: StoreContractOptions): void {
  const resolved = resolveOptions(options);
  const harness = resolveHarness(resolved.runner, resolved.testTimeoutMs);
  const { processFactory, casRaceWorkers: workers, casRaceRounds: rounds } = resolved;
  // Checked before the describe block: a runner may refuse an empty one.
  if (!processFactory) {
    resolved.log(
      `contract-tests: ${resolved.name}: cross-process compare-and-set race NOT registered (no processFactory); adapters shared across processes should pass one.`,
    );
    return;
  }
  defineSuite(resolved, harness, 'casrace', 'compare-and-set across processes', (ctx) => {
    ctx.test(`${workers} OS processes race compare-and-set on ${rounds} keys: exactly one winner per round`, () =>
      ctx.withStore(async (store) => {
        if (!store.capabilities.compareAndSet) {
          resolved.log(
            `contract-tests: ${resolved.name} declares compareAndSet: false (atomic within one process only); the cross-process race is skipped.`,
          );
          return;
        }
        for (let attempt = 1; attempt <= ATTEMPTS; attempt += 1) {
          const collection = ctx.collection();
          // Twice the rounds after each inconclusive attempt. The children run the rounds in batches behind a barrier
          // (race-workers.ts), so every batch is a fresh start and some child other than the first wins a round in
          // practically every attempt; more rounds only help against a child descheduled for a whole attempt.
          const attemptRounds = rounds * 2 ** (attempt - 1);
          const keys = Array.from({ length: attemptRounds }, (_, i) => `k-${i}`);
          await mapLimit(keys, 16, (key) => store.set(collection, key, utf8('base')));
          const versions = await mapLimit(keys, 16, async (key) => (await store.getEntry(collection, key))!.version);
          // values[child][round], base64
          const values = Array.from({ length: workers }, () =>
            keys.map(() => Buffer.from(randomValue(12)).toString('base64')),
          );
          // Every child works through the rounds in the same order: a store that reads, compares and writes without a
          // lock is caught only when children contend for the same key at the same moment. (Starting each child at its
          // own place in the list made every attempt look conclusive while the children rarely met, and the unlocked
          // store passed.)
          const roundsFor = (child: number): CasRound[] =>
            keys.map((key, i) => ({ key, version: versions[i]!, value: values[child]![i]!, remove: i % 3 === 2 }));
          const reports = await raceCompareAndSetAcrossProcesses({
            factory: processFactory,
            workers,
            collection,
            roundsFor,
            concurrency: 4,
            timeoutMs: resolved.crossProcessTimeoutMs,
          });
          const failures = reports.flatMap((report) => report.failures);
          assert.equal(
            failures.length,
            0,
            `compare-and-sets failed in the children: ${failures
              .slice(0, 3)
              .map((f) => `${f.name}${f.code ? ` (${f.code})` : ''}: ${f.message}`)
              .join('; ')}`,
          );
          const winners = new Map<string, number[]>();
          reports.forEach((report, child) => {
            for (const [key] of report.wins) winners.set(key, [...(winners.get(key) ?? []), child]);
          });
          const several = keys.filter((key) => (winners.get(key)?.length ?? 0) > 1);
          const none = keys.filter((key) => !winners.has(key));
          assert.equal(
            several.length,
            0,
            `${several.length} of ${attemptRounds} rounds had more than one winning process`,
          );
          assert.equal(
            none.length,
            0,
            `${none.length} of ${attemptRounds} rounds had no winner${none.length === attemptRounds ? perInstanceHint('processes') : ''}`,
          );
          await mapLimit(keys, 16, async (key, i) => {
            const child = winners.get(key)![0]!;
            const stored = await store.get(collection, key);
            if (i % 3 === 2) assertAbsent(stored, `round ${i + 1}: the winner deleted the entry`);
            else {
              assertBytes(stored, Buffer.from(values[child]![i]!, 'base64'), `round ${i + 1}: the winner's value`);
            }
          });
          // Conclusive only when the children overlapped: more than one child won some round.
          if (new Set(keys.map((key) => winners.get(key)![0])).size > 1) return;
          resolved.log(
            `contract-tests: ${resolved.name}: compare-and-set race attempt ${attempt}: one child won all ${attemptRounds} rounds (no overlap); retrying with four times the rounds.`,
          );
        }
        assert.fail(
          `in ${ATTEMPTS} attempts one child process won every round, so no race was observed; raise casRaceRounds`,
        );
      }),
    );
  });
}
