import assert from 'node:assert/strict';
import { EncryptionFixture, expectRejection, keyring, marker, newKey } from './fixture';
import { defineEncryptionSuite } from './suite';

const RECORDS = 25;

/** Rotation without downtime: old records stay readable, new ones use the new primary, rewrap moves them all. */
export const runRotationTests = defineEncryptionSuite('rotation', (options, test) => {
  const { readKid, rewrap } = options;
  if (!readKid) options.log(`[${options.name}] encryption suite: no readKid given; kid assertions are not made.`);

  test('after rotation old records still read and new writes use the new primary', async () => {
    await EncryptionFixture.run(options, async (fixture) => {
      const oldKey = newKey('old');
      const newPrimary = newKey('new');
      const collection = fixture.collection();
      const before = await fixture.wrap(keyring(oldKey));
      const oldValue = marker();
      await before.set(collection, 'old', oldValue);
      const rotated = await fixture.wrap(keyring(newPrimary, oldKey));
      assert.deepEqual(Buffer.from((await rotated.get(collection, 'old'))!), Buffer.from(oldValue));
      const newValue = marker();
      await rotated.set(collection, 'new', newValue);
      if (readKid) {
        assert.equal(readKid(await fixture.raw(collection, 'old')), oldKey.kid, 'a read must not rewrite the record');
        assert.equal(readKid(await fixture.raw(collection, 'new')), newPrimary.kid, 'new writes use the new primary');
      }
      // An instance that has not picked up the new key yet fails loudly on new records (never a silent miss).
      await expectRejection(
        before.get(collection, 'new'),
        ['unknown_key_id'],
        [newValue, newPrimary.key],
        'stale instance',
      );
    });
  });

  if (!rewrap) {
    options.log(`[${options.name}] encryption suite: no rewrap given; the rewrap test is not registered.`);
    return;
  }
  test('rewrap moves every record to the new primary; the old key can then be dropped', async () => {
    await EncryptionFixture.run(options, async (fixture) => {
      const oldKey = newKey('old');
      const newPrimary = newKey('new');
      const collections = [fixture.collection('one'), fixture.collection('two')];
      const before = await fixture.wrap(keyring(oldKey));
      const values = new Map<string, Uint8Array>();
      for (let i = 0; i < RECORDS; i += 1) {
        const collection = collections[i % 2]!;
        const value = marker();
        values.set(`${collection}\u0000k${i}`, value);
        // Half with a long TTL, half without: rewrap must handle both (and keep the TTL).
        await before.set(collection, `k${i}`, value, i % 4 < 2 ? { ttlMs: 3_600_000 } : undefined);
      }
      const rotatedKeys = keyring(newPrimary, oldKey);
      await rewrap(fixture.inner, rotatedKeys, collections);
      const onlyNew = await fixture.wrap(keyring(newPrimary));
      for (const [address, value] of values) {
        const [collection, key] = address.split('\u0000') as [string, string];
        if (readKid)
          assert.equal(readKid(await fixture.raw(collection, key)), newPrimary.kid, `${key} was not rewrapped`);
        const read = await onlyNew.get(collection, key);
        assert.ok(read, `${key} is missing after rewrap`);
        assert.deepEqual(Buffer.from(read), Buffer.from(value), `${key} changed during rewrap`);
      }
      const [first] = values.keys();
      const [collection, key] = first!.split('\u0000') as [string, string];
      await expectRejection(
        before.get(collection, key),
        ['unknown_key_id'],
        [oldKey.key, newPrimary.key],
        'old-only reader',
      );
    });
  });
});
