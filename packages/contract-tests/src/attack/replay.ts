import assert from 'node:assert/strict';
import { expectRejection, keyring, marker, newKey } from '../encryption/fixture';
import { AttackFixture } from './fixture';
import { defineAttackSuite } from './suite';

/** Replay across namespaces: stores sharing a KEK but not a namespace cannot read each other's records. */
export const runReplayAttacks = defineAttackSuite('replay across namespaces', (options, test) => {
  if (!options.namespaces) {
    options.log(
      `[${options.name}] attack suite: namespaces: false; the replay-across-namespace test is not registered.`,
    );
    return;
  }
  test('a record copied byte for byte to another store with another namespace is rejected (get, take)', async () => {
    await AttackFixture.run(options, async (fixture) => {
      const a = newKey('a');
      const [innerA, innerB] = [await fixture.inner(), await fixture.inner()];
      const tenantA = await fixture.wrap(innerA, keyring(a), 'tenant-a');
      const tenantB = await fixture.wrap(innerB, keyring(a), 'tenant-b');
      const collection = fixture.collection();
      const value = marker();
      await tenantA.set(collection, 'client-1', value);
      await innerB.set(collection, 'client-1', (await innerA.get(collection, 'client-1'))!);
      await expectRejection(tenantB.get(collection, 'client-1'), ['integrity'], [value, a.key], 'replayed into b');
      await expectRejection(tenantB.take(collection, 'client-1'), ['integrity'], [value, a.key], 'take in b');
      assert.deepEqual(Buffer.from((await tenantA.get(collection, 'client-1'))!), Buffer.from(value));
    });
  });

  test('the default namespace and a named one do not read each other’s records, in either direction', async () => {
    await AttackFixture.run(options, async (fixture) => {
      const a = newKey('a');
      const inner = await fixture.inner();
      const plain = await fixture.wrap(inner, keyring(a));
      const named = await fixture.wrap(inner, keyring(a), 'tenant-a');
      const collection = fixture.collection();
      const [one, two] = [marker(), marker()];
      await plain.set(collection, 'one', one);
      await named.set(collection, 'two', two);
      await expectRejection(named.get(collection, 'one'), ['integrity'], [one, a.key], 'default read as named');
      await expectRejection(plain.get(collection, 'two'), ['integrity'], [two, a.key], 'named read as default');
    });
  });

  test('namespaces are length-delimited from the collection: ("ns-a", "b…") is not ("ns-", "ab…")', async () => {
    await AttackFixture.run(options, async (fixture) => {
      const a = newKey('a');
      const inner = await fixture.inner();
      const collection = fixture.collection();
      const first = await fixture.wrap(inner, keyring(a), 'ns-a');
      const second = await fixture.wrap(inner, keyring(a), 'ns-');
      const value = marker();
      await first.set(`b${collection}`, 'k', value);
      await inner.set(`ab${collection}`, 'k', (await inner.get(`b${collection}`, 'k'))!);
      await expectRejection(second.get(`ab${collection}`, 'k'), ['integrity'], [value, a.key], 'shifted boundary');
    });
  });
});
