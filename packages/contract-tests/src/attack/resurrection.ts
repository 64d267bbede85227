import assert from 'node:assert/strict';
import { keyring, marker, newKey } from '../encryption/fixture';
import { AttackFixture } from './fixture';
import { defineAttackSuite } from './suite';

const TTL_MS = 60_000;

/**
 * Expiry resurrection: the attacker removes the backend's own expiry of a record (`stripExpiry`). Once the record's
 * expiry has passed by the wrapper's clock, no read path may return it, whatever the backend says.
 */
export const runResurrectionAttacks = defineAttackSuite('expiry resurrection', (options, test) => {
  async function revived(fixture: AttackFixture) {
    const a = newKey('a');
    const inner = await fixture.inner();
    const store = await fixture.wrap(inner, keyring(a));
    const collection = fixture.collection();
    const value = marker();
    await store.set(collection, 'code', value, { ttlMs: TTL_MS });
    await options.stripExpiry(inner, collection, 'code');
    fixture.clock.advance(2 * TTL_MS);
    // Precondition: the backend really still hands the record out (else this attack proves nothing here).
    assert.ok(
      (await inner.get(collection, 'code')) !== undefined,
      'stripExpiry left nothing in the backend: the attack did not happen (check stripExpiry)',
    );
    return { store, inner, collection, value };
  }

  test('get and take of a record whose backend expiry was removed answer undefined after its expiry', async () => {
    await AttackFixture.run(options, async (fixture) => {
      const { store, collection } = await revived(fixture);
      assert.equal(await store.get(collection, 'code'), undefined, 'get returned an expired record');
      assert.equal(await store.take(collection, 'code'), undefined, 'take returned an expired record');
    });
  });

  test('getEntry does not return it either', async () => {
    await AttackFixture.run(options, async (fixture) => {
      const { store, collection } = await revived(fixture);
      assert.equal(await store.getEntry(collection, 'code'), undefined, 'getEntry returned an expired record');
    });
  });

  test('set(onlyIfAbsent) treats it as absent: the new value is written and reads back', async () => {
    await AttackFixture.run(options, async (fixture) => {
      const { store, collection } = await revived(fixture);
      const fresh = marker();
      assert.equal(await store.set(collection, 'code', fresh, { onlyIfAbsent: true, ttlMs: TTL_MS }), true);
      assert.deepEqual(Buffer.from((await store.get(collection, 'code'))!), Buffer.from(fresh));
    });
  });

  test('before its expiry the record still reads (the wrapper does not expire early)', async () => {
    await AttackFixture.run(options, async (fixture) => {
      const a = newKey('a');
      const inner = await fixture.inner();
      const store = await fixture.wrap(inner, keyring(a));
      const collection = fixture.collection();
      const value = marker();
      await store.set(collection, 'code', value, { ttlMs: TTL_MS });
      await options.stripExpiry(inner, collection, 'code');
      fixture.clock.advance(TTL_MS / 2);
      assert.deepEqual(Buffer.from((await store.get(collection, 'code'))!), Buffer.from(value));
    });
  });
});
