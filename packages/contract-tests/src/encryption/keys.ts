import { EncryptionFixture, expectRejection, keyring, marker, newKey } from './fixture';
import { defineEncryptionSuite } from './suite';

/** Key selection is by kid: an unknown kid and a wrong key under a known kid are typed, distinct failures. */
export const runKeySelectionTests = defineEncryptionSuite('key selection', (options, test) => {
  test('a record under a kid the keyring does not hold fails with unknown_key_id', async () => {
    await EncryptionFixture.run(options, async (fixture) => {
      const a = newKey('a');
      const b = newKey('b');
      const writer = await fixture.wrap(keyring(a));
      const reader = await fixture.wrap(keyring(b));
      const collection = fixture.collection();
      const value = marker();
      await writer.set(collection, 'k', value);
      await expectRejection(reader.get(collection, 'k'), ['unknown_key_id'], [value, a.key, b.key], 'get, unknown kid');
      await expectRejection(
        reader.take(collection, 'k'),
        ['unknown_key_id'],
        [value, a.key, b.key],
        'take, unknown kid',
      );
    });
  });

  test('a different key under the same kid fails with integrity (never a silent miss)', async () => {
    await EncryptionFixture.run(options, async (fixture) => {
      const right = newKey('same');
      const wrong = { kid: right.kid, key: newKey('other').key };
      const writer = await fixture.wrap(keyring(right));
      const reader = await fixture.wrap(keyring(wrong));
      const collection = fixture.collection();
      const value = marker();
      await writer.set(collection, 'k', value);
      await writer.set(collection, 'ttl', value, { ttlMs: 3_600_000 });
      for (const key of ['k', 'ttl']) {
        await expectRejection(
          reader.get(collection, key),
          ['integrity'],
          [value, right.key, wrong.key],
          `wrong key, ${key}`,
        );
      }
    });
  });

  test('decrypt-only keys decrypt; the primary is chosen by kid among several', async () => {
    await EncryptionFixture.run(options, async (fixture) => {
      const keys = [newKey('k1'), newKey('k2'), newKey('k3')];
      const collection = fixture.collection();
      const values = keys.map(() => marker());
      for (const [i, key] of keys.entries()) {
        const writer = await fixture.wrap(keyring(key));
        await writer.set(collection, `by-${i}`, values[i]!);
      }
      const reader = await fixture.wrap(keyring(newKey('k4'), ...keys));
      for (const [i] of keys.entries()) {
        const read = await reader.get(collection, `by-${i}`);
        if (!read || Buffer.compare(Buffer.from(read), Buffer.from(values[i]!)) !== 0) {
          throw new Error(`the record written under decrypt-only key ${i + 1} did not read back`);
        }
      }
    });
  });
});
