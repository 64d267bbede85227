import { expectRejection, keyring, marker, newKey } from '../encryption/fixture';
import { AttackFixture } from './fixture';
import { defineAttackSuite } from './suite';

/** Swaps: a genuine record moved to another address is rejected. */
export const runSwapAttacks = defineAttackSuite('swap', (options, test) => {
  test('two records swapped between keys, and between collections, are both rejected', async () => {
    await AttackFixture.run(options, async (fixture) => {
      const a = newKey('a');
      const inner = await fixture.inner();
      const store = await fixture.wrap(inner, keyring(a));
      const [c1, c2] = [fixture.collection('one'), fixture.collection('two')];
      const [v1, v2, v3] = [marker(), marker(), marker()];
      await store.set(c1, 'k1', v1);
      await store.set(c1, 'k2', v2);
      await store.set(c2, 'k1', v3);
      const [r1, r2, r3] = await Promise.all([inner.get(c1, 'k1'), inner.get(c1, 'k2'), inner.get(c2, 'k1')]);
      await inner.set(c1, 'k1', r2!);
      await inner.set(c1, 'k2', r1!);
      await expectRejection(store.get(c1, 'k1'), ['integrity'], [v1, v2, a.key], 'k2 swapped into k1');
      await expectRejection(store.get(c1, 'k2'), ['integrity'], [v1, v2, a.key], 'k1 swapped into k2');
      await inner.set(c2, 'k1', r1!);
      await inner.set(c1, 'k1', r3!);
      await expectRejection(store.get(c2, 'k1'), ['integrity'], [v1, v3, a.key], 'across collections');
      await expectRejection(store.take(c1, 'k1'), ['integrity'], [v1, v3, a.key], 'take across collections');
    });
  });

  test('a long-lived record swapped over a short-lived one (to outlive it) is rejected', async () => {
    await AttackFixture.run(options, async (fixture) => {
      const a = newKey('a');
      const inner = await fixture.inner();
      const store = await fixture.wrap(inner, keyring(a));
      const collection = fixture.collection();
      const [short, long] = [marker(), marker()];
      await store.set(collection, 'code', short, { ttlMs: 60_000 });
      await store.set(collection, 'client', long);
      await inner.set(collection, 'code', (await inner.get(collection, 'client'))!);
      await expectRejection(store.get(collection, 'code'), ['integrity'], [short, long, a.key], 'long over short');
    });
  });
});
