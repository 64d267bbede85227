import { assert, assertAbsent, assertBytes, assertRejects } from '../assertions';
import { randomValue, utf8 } from '../bytes';
import { defineSuite } from '../context';
import { resolveOptions, type StoreContractOptions } from '../options';
import { perInstanceHint } from '../per-instance-hint';
import { resolveHarness } from '../runner';
import { now, waitUntil } from '../timing';

/**
 * Conditional create (`onlyIfAbsent`): false when a live entry exists, true when absent, an expired entry counts as
 * absent, and of concurrent creators exactly one wins.
 */
export function runConditionalCreateTests(options: StoreContractOptions): void {
  const resolved = resolveOptions(options);
  const harness = resolveHarness(resolved.runner, resolved.testTimeoutMs);
  defineSuite(resolved, harness, 'create', 'conditional create (onlyIfAbsent)', (ctx) => {
    const { ttlMs, expiryGraceMs, takeRounds, takeConcurrency, storeInstances } = resolved;

    ctx.test('onlyIfAbsent writes and resolves true when the key is absent', () =>
      ctx.withStore(async (store) => {
        const collection = ctx.collection();
        const value = utf8('first');
        assert.equal(await store.set(collection, 'k', value, { onlyIfAbsent: true }), true, 'create of an absent key');
        assertBytes(await store.get(collection, 'k'), value, 'get after create');
      }),
    );

    ctx.test('onlyIfAbsent resolves false and changes nothing when a live entry exists', () =>
      ctx.withStore(async (store) => {
        const collection = ctx.collection();
        const original = utf8('original');
        await store.set(collection, 'k', original);
        assert.equal(
          await store.set(collection, 'k', utf8('intruder'), { onlyIfAbsent: true }),
          false,
          'onlyIfAbsent over a live entry must resolve false',
        );
        assertBytes(await store.get(collection, 'k'), original, 'the live entry after a refused create');
        // A live entry with a TTL is still live.
        await store.set(collection, 'ttl', original, { ttlMs: 3_600_000 });
        assert.equal(
          await store.set(collection, 'ttl', utf8('intruder'), { onlyIfAbsent: true }),
          false,
          'onlyIfAbsent over a live entry that has a TTL must resolve false',
        );
        assertBytes(await store.get(collection, 'ttl'), original, 'the live TTL entry after a refused create');
      }),
    );

    ctx.test('onlyIfAbsent succeeds again after delete and after take', () =>
      ctx.withStore(async (store) => {
        const collection = ctx.collection();
        await store.set(collection, 'deleted', utf8('a'));
        await store.set(collection, 'taken', utf8('b'));
        await store.delete(collection, 'deleted');
        await store.take(collection, 'taken');
        const next = utf8('next');
        assert.equal(await store.set(collection, 'deleted', next, { onlyIfAbsent: true }), true, 'create after delete');
        assert.equal(await store.set(collection, 'taken', next, { onlyIfAbsent: true }), true, 'create after take');
        assertBytes(await store.get(collection, 'deleted'), next, 'get after create after delete');
      }),
    );

    ctx.test('an expired entry counts as absent for onlyIfAbsent', () =>
      ctx.withStore(async (store) => {
        const collection = ctx.collection();
        await store.set(collection, 'k', utf8('old'), { ttlMs });
        await waitUntil(now() + ttlMs + expiryGraceMs);
        const fresh = utf8('fresh');
        assert.equal(
          await store.set(collection, 'k', fresh, { onlyIfAbsent: true }),
          true,
          'onlyIfAbsent over an expired entry must resolve true',
        );
        assertBytes(await store.get(collection, 'k'), fresh, 'get after create over an expired entry');
      }),
    );

    ctx.test('onlyIfAbsent: false is a plain overwrite', () =>
      ctx.withStore(async (store) => {
        const collection = ctx.collection();
        await store.set(collection, 'k', utf8('a'));
        const b = utf8('b');
        assert.equal(
          await store.set(collection, 'k', b, { onlyIfAbsent: false }),
          true,
          'set with onlyIfAbsent: false',
        );
        assertBytes(await store.get(collection, 'k'), b, 'get after set with onlyIfAbsent: false');
      }),
    );

    ctx.test('a non-boolean onlyIfAbsent is rejected with invalid_value and writes nothing', () =>
      ctx.withStore(async (store) => {
        const collection = ctx.collection();
        for (const bad of ['yes', 1, null]) {
          await assertRejects(
            () => store.set(collection, 'k', utf8('v'), { onlyIfAbsent: bad as never }),
            'invalid_value',
            `set with onlyIfAbsent ${JSON.stringify(bad)}`,
          );
        }
        assertAbsent(await store.get(collection, 'k'), 'get after rejected sets');
      }),
    );

    const rounds = Math.max(5, Math.ceil(takeRounds / 2));
    ctx.test(
      `${takeConcurrency} concurrent creates of one key over ${storeInstances} instances: exactly one wins (${rounds} rounds)`,
      () =>
        ctx.withStores(storeInstances, async (stores) => {
          const collection = ctx.collection();
          for (let round = 0; round < rounds; round += 1) {
            const key = `race-${round}`;
            const values = Array.from({ length: takeConcurrency }, () => randomValue(12));
            const results = await Promise.all(
              values.map((value, i) => stores[i % stores.length]!.set(collection, key, value, { onlyIfAbsent: true })),
            );
            const winners = results.flatMap((won, i) => (won ? [i] : []));
            // One winner on every instance is the mark of instances that do not share data, not of a racy create.
            const onePerInstance =
              stores.length > 1 &&
              winners.length === stores.length &&
              new Set(winners.map((i) => i % stores.length)).size === stores.length;
            assert.equal(
              winners.length,
              1,
              `round ${round + 1}: ${winners.length} of ${takeConcurrency} concurrent onlyIfAbsent writes resolved true; exactly one must${onePerInstance ? `, and there was one winner on each of the ${stores.length} instances${perInstanceHint('instances')}` : ''}`,
            );
            assertBytes(
              await stores[0]!.get(collection, key),
              values[winners[0]!]!,
              `round ${round + 1}: stored value`,
            );
          }
        }),
    );
  });
}
