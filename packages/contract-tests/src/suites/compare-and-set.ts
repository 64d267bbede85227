import { assert, assertAbsent, assertBytes, assertRejects } from '../assertions';
import { randomValue, utf8 } from '../bytes';
import { defineSuite } from '../context';
import { resolveOptions, type StoreContractOptions } from '../options';
import { resolveHarness } from '../runner';
import { now, waitUntil } from '../timing';

/** Version strings that cannot be versions: each must be rejected with `invalid_value` before the backend is asked. */
const BAD_VERSIONS: unknown[] = [
  '',
  'abc',
  'A'.repeat(21),
  'A'.repeat(23),
  `${'A'.repeat(21)}!`,
  `${'A'.repeat(20)}==`,
  `${'A'.repeat(21)} `,
  42,
  null,
  {},
];

/**
 * Compare-and-set: `getEntry` returns the value with an opaque version (fresh for every write, so A-B-A is detected)
 * and its absolute expiry; `set` and `delete` with `ifVersion` apply only while the live entry still has that
 * version; an expired or deleted entry matches no version; bad versions and `ifVersion` with `onlyIfAbsent` are
 * typed errors; of concurrent compare-and-sets on one version exactly one wins.
 */
export function runCompareAndSetTests(options: StoreContractOptions): void {
  const resolved = resolveOptions(options);
  const harness = resolveHarness(resolved.runner, resolved.testTimeoutMs);
  defineSuite(resolved, harness, 'cas', 'compare-and-set (getEntry, ifVersion)', (ctx) => {
    const { ttlMs, expiryGraceMs, takeRounds, takeConcurrency, storeInstances } = resolved;

    ctx.test('getEntry: undefined when absent; value, a version string and the absolute expiry when live', () =>
      ctx.withStore(async (store) => {
        const collection = ctx.collection();
        assertAbsent(await store.getEntry(collection, 'missing'), 'getEntry of a key never written');
        const value = randomValue(32);
        await store.set(collection, 'forever', value);
        const entry = await store.getEntry(collection, 'forever');
        assert.ok(entry, 'getEntry of a live entry resolved undefined');
        assertBytes(entry.value, value, 'getEntry value');
        assert.equal(typeof entry.version, 'string', 'getEntry version must be a string');
        assert.ok(entry.version.length > 0, 'getEntry version must not be empty');
        assert.equal(entry.expiresAt, undefined, 'expiresAt of an entry written without a TTL');

        const longTtl = 3_600_000;
        const before = Date.now();
        await store.set(collection, 'ttl', value, { ttlMs: longTtl });
        const after = Date.now();
        const withTtl = await store.getEntry(collection, 'ttl');
        assert.ok(withTtl, 'getEntry of a live entry with a TTL resolved undefined');
        assert.equal(typeof withTtl.expiresAt, 'number', 'expiresAt of an entry written with a TTL');
        assert.ok(
          withTtl.expiresAt! >= before + longTtl && withTtl.expiresAt! <= after + longTtl,
          `expiresAt must be the set's time (on the application clock) + ttlMs: ${withTtl.expiresAt! - before - longTtl} ms off`,
        );
        assertAbsent(await store.getEntry(collection, 'missing'), 'getEntry of a key never written, again');
      }),
    );

    ctx.test('every write gets a fresh version, even with the same value; reads do not change it', () =>
      ctx.withStore(async (store) => {
        const collection = ctx.collection();
        const value = utf8('same');
        const versions = new Set<string>();
        for (let i = 0; i < 5; i += 1) {
          await store.set(collection, 'k', value);
          const first = await store.getEntry(collection, 'k');
          await store.get(collection, 'k');
          const second = await store.getEntry(collection, 'k');
          assert.ok(first && second, 'getEntry after set resolved undefined');
          assert.equal(second.version, first.version, 'two reads without a write in between gave different versions');
          versions.add(first.version);
        }
        assert.equal(versions.size, 5, `5 writes of the same value gave only ${versions.size} distinct versions`);
      }),
    );

    ctx.test('set with ifVersion: applies on the current version, refuses a stale one and changes nothing', () =>
      ctx.withStore(async (store) => {
        const collection = ctx.collection();
        await store.set(collection, 'k', utf8('v1'));
        const v1 = (await store.getEntry(collection, 'k'))!.version;
        const v2Value = utf8('v2');
        assert.equal(await store.set(collection, 'k', v2Value, { ifVersion: v1 }), true, 'set on the current version');
        const v2 = await store.getEntry(collection, 'k');
        assertBytes(v2?.value, v2Value, 'value after a successful compare-and-set');
        assert.notEqual(v2!.version, v1, 'a compare-and-set must give the entry a new version');
        assert.equal(
          await store.set(collection, 'k', utf8('lost update'), { ifVersion: v1 }),
          false,
          'set on a stale version must resolve false',
        );
        const after = await store.getEntry(collection, 'k');
        assertBytes(after?.value, v2Value, 'value after a refused compare-and-set');
        assert.equal(after!.version, v2!.version, 'a refused compare-and-set changed the version');
      }),
    );

    ctx.test('set with ifVersion on an absent key resolves false and creates nothing', () =>
      ctx.withStore(async (store) => {
        const collection = ctx.collection();
        await store.set(collection, 'other', utf8('x'));
        const version = (await store.getEntry(collection, 'other'))!.version;
        assert.equal(
          await store.set(collection, 'absent', utf8('y'), { ifVersion: version }),
          false,
          'compare-and-set of a key never written must resolve false',
        );
        assertAbsent(await store.get(collection, 'absent'), 'get after a refused compare-and-set of an absent key');
      }),
    );

    ctx.test('delete with ifVersion: refuses a stale version, deletes on the current one', () =>
      ctx.withStore(async (store) => {
        const collection = ctx.collection();
        const value = utf8('v1');
        await store.set(collection, 'k', value);
        const stale = (await store.getEntry(collection, 'k'))!.version;
        await store.set(collection, 'k', value);
        const current = (await store.getEntry(collection, 'k'))!.version;
        assert.equal(await store.delete(collection, 'k', { ifVersion: stale }), false, 'delete on a stale version');
        assertBytes(await store.get(collection, 'k'), value, 'the entry after a refused compare-and-delete');
        assert.equal(
          await store.delete(collection, 'k', { ifVersion: current }),
          true,
          'delete on the current version',
        );
        assertAbsent(await store.get(collection, 'k'), 'get after a compare-and-delete');
        assert.equal(
          await store.delete(collection, 'k', { ifVersion: current }),
          false,
          'compare-and-delete of a deleted entry must resolve false',
        );
      }),
    );

    ctx.test('A-B-A: a version read before two writes no longer matches, though the value is the same again', () =>
      ctx.withStore(async (store) => {
        const collection = ctx.collection();
        const a = utf8('A');
        await store.set(collection, 'k', a);
        const first = (await store.getEntry(collection, 'k'))!.version;
        await store.set(collection, 'k', utf8('B'));
        await store.set(collection, 'k', a);
        assert.equal(
          await store.set(collection, 'k', utf8('C'), { ifVersion: first }),
          false,
          'compare-and-set after A-B-A must resolve false',
        );
        assert.equal(
          await store.delete(collection, 'k', { ifVersion: first }),
          false,
          'compare-and-delete after A-B-A must resolve false',
        );
        assertBytes(await store.get(collection, 'k'), a, 'value after the refused A-B-A writes');
      }),
    );

    ctx.test('after delete, take or re-creation, an old version matches nothing', () =>
      ctx.withStore(async (store) => {
        const collection = ctx.collection();
        for (const how of ['delete', 'take'] as const) {
          await store.set(collection, how, utf8('v'));
          const version = (await store.getEntry(collection, how))!.version;
          if (how === 'delete') await store.delete(collection, how);
          else await store.take(collection, how);
          await store.set(collection, how, utf8('v'), { onlyIfAbsent: true });
          assert.equal(
            await store.set(collection, how, utf8('w'), { ifVersion: version }),
            false,
            `compare-and-set with a version from before ${how} and re-creation must resolve false`,
          );
        }
      }),
    );

    ctx.test("an expired entry's version no longer matches: ifVersion set and delete resolve false", () =>
      ctx.withStore(async (store) => {
        const collection = ctx.collection();
        await store.set(collection, 'set', utf8('v'), { ttlMs });
        await store.set(collection, 'delete', utf8('v'), { ttlMs });
        const setVersion = (await store.getEntry(collection, 'set'))?.version;
        const deleteVersion = (await store.getEntry(collection, 'delete'))?.version;
        await waitUntil(now() + ttlMs + expiryGraceMs);
        if (setVersion !== undefined) {
          assert.equal(
            await store.set(collection, 'set', utf8('revived'), { ifVersion: setVersion }),
            false,
            'compare-and-set on an expired entry must resolve false',
          );
          assertAbsent(await store.get(collection, 'set'), 'get after a refused compare-and-set on an expired entry');
        }
        if (deleteVersion !== undefined) {
          assert.equal(
            await store.delete(collection, 'delete', { ifVersion: deleteVersion }),
            false,
            'compare-and-delete on an expired entry must resolve false',
          );
        }
      }),
    );

    ctx.test('ifVersion keeps or replaces the expiry as given, like a plain set', () =>
      ctx.withStore(async (store) => {
        const collection = ctx.collection();
        await store.set(collection, 'k', utf8('v1'), { ttlMs: 3_600_000 });
        const version = (await store.getEntry(collection, 'k'))!.version;
        assert.equal(await store.set(collection, 'k', utf8('v2'), { ifVersion: version }), true, 'compare-and-set');
        assert.equal(
          (await store.getEntry(collection, 'k'))?.expiresAt,
          undefined,
          'a compare-and-set without ttlMs leaves an entry without expiry (like a plain set)',
        );
      }),
    );

    ctx.test('ifVersion with onlyIfAbsent, and malformed versions, are rejected with invalid_value', () =>
      ctx.withStore(async (store) => {
        const collection = ctx.collection();
        await store.set(collection, 'k', utf8('original'));
        const version = (await store.getEntry(collection, 'k'))!.version;
        await assertRejects(
          () => store.set(collection, 'k', utf8('x'), { ifVersion: version, onlyIfAbsent: true }),
          'invalid_value',
          'set with both ifVersion and onlyIfAbsent',
        );
        for (const bad of BAD_VERSIONS) {
          const shown = typeof bad === 'string' ? JSON.stringify(bad) : String(bad);
          await assertRejects(
            () => store.set(collection, 'k', utf8('x'), { ifVersion: bad as string }),
            'invalid_value',
            `set with ifVersion ${shown}`,
          );
          await assertRejects(
            () => store.delete(collection, 'k', { ifVersion: bad as string }),
            'invalid_value',
            `delete with ifVersion ${shown}`,
          );
        }
        assertBytes(await store.get(collection, 'k'), utf8('original'), 'the entry after every rejected call');
      }),
    );

    ctx.test(
      `${takeConcurrency} concurrent compare-and-sets on one version over ${storeInstances} instances: exactly one wins (${takeRounds} rounds)`,
      () =>
        ctx.withStores(storeInstances, async (stores) => {
          const collection = ctx.collection();
          const atomic = stores[0]!.capabilities.compareAndSet;
          // Without cross-process atomicity, compare-and-set is promised within one instance only.
          const racers = atomic ? stores : stores.slice(0, 1);
          for (let round = 0; round < takeRounds; round += 1) {
            const key = `k-${round}`;
            await stores[0]!.set(collection, key, utf8('base'));
            const base = (await stores[0]!.getEntry(collection, key))!.version;
            const values = Array.from({ length: takeConcurrency }, () => randomValue(12));
            // Every racer writes or (one in three) deletes on the same base version, in the same tick.
            const results = await Promise.all(
              values.map((value, i) => {
                const store = racers[i % racers.length]!;
                return i % 3 === 2
                  ? store.delete(collection, key, { ifVersion: base })
                  : store.set(collection, key, value, { ifVersion: base });
              }),
            );
            const winners = results.flatMap((won, i) => (won ? [i] : []));
            assert.equal(
              winners.length,
              1,
              `round ${round + 1}: ${winners.length} of ${takeConcurrency} compare-and-sets on one version succeeded; exactly one must`,
            );
            const winner = winners[0]!;
            const final = await stores[0]!.get(collection, key);
            if (winner % 3 === 2) assertAbsent(final, `round ${round + 1}: the winner deleted; get after the race`);
            else assertBytes(final, values[winner]!, `round ${round + 1}: the value after the race is the winner's`);
          }
        }),
    );
  });
}
