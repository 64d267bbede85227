import { EncryptionFixture, expectRejection, keyring, marker, newKey } from './fixture';
import { defineEncryptionSuite } from './suite';

/** A record is bound to its (collection, key): moved anywhere else, it fails to decrypt. */
export const runBindingTests = defineEncryptionSuite('binding to collection and key', (options, test) => {
  test('a record copied to another key fails with integrity (get and take)', async () => {
    await EncryptionFixture.run(options, async (fixture) => {
      const a = newKey('a');
      const store = await fixture.wrap(keyring(a));
      const collection = fixture.collection();
      const value = marker();
      await store.set(collection, 'original', value);
      await fixture.inner.set(collection, 'copy', await fixture.raw(collection, 'original'));
      await expectRejection(store.get(collection, 'copy'), ['integrity'], [value, a.key], 'get of a copied record');
      await expectRejection(store.take(collection, 'copy'), ['integrity'], [value, a.key], 'take of a copied record');
      await store.get(collection, 'original').then((read) => {
        if (!read || Buffer.compare(Buffer.from(read), Buffer.from(value)) !== 0) {
          throw new Error('the original record no longer reads back after its copy was rejected');
        }
      });
    });
  });

  test('a record copied to another collection under the same key fails with integrity', async () => {
    await EncryptionFixture.run(options, async (fixture) => {
      const a = newKey('a');
      const store = await fixture.wrap(keyring(a));
      const from = fixture.collection('from');
      const to = fixture.collection('to');
      const value = marker();
      await store.set(from, 'same-key', value);
      await fixture.inner.set(to, 'same-key', await fixture.raw(from, 'same-key'));
      await expectRejection(store.get(to, 'same-key'), ['integrity'], [value, a.key], 'get in another collection');
    });
  });

  test('collection and key are length-delimited: ("…ab", "c") does not decrypt as ("…a", "bc")', async () => {
    await EncryptionFixture.run(options, async (fixture) => {
      const a = newKey('a');
      const store = await fixture.wrap(keyring(a));
      const base = fixture.collection();
      const value = marker();
      await store.set(`${base}ab`, 'c', value);
      await fixture.inner.set(`${base}a`, 'bc', await fixture.raw(`${base}ab`, 'c'));
      await expectRejection(store.get(`${base}a`, 'bc'), ['integrity'], [value, a.key], 'boundary-shifted copy');
    });
  });

  test('two records swapped between their keys both fail', async () => {
    await EncryptionFixture.run(options, async (fixture) => {
      const a = newKey('a');
      const store = await fixture.wrap(keyring(a));
      const collection = fixture.collection();
      const one = marker();
      const two = marker();
      await store.set(collection, 'k1', one);
      await store.set(collection, 'k2', two);
      const raw1 = await fixture.raw(collection, 'k1');
      const raw2 = await fixture.raw(collection, 'k2');
      await fixture.inner.set(collection, 'k1', raw2);
      await fixture.inner.set(collection, 'k2', raw1);
      await expectRejection(store.get(collection, 'k1'), ['integrity'], [one, two, a.key], 'swapped record k1');
      await expectRejection(store.get(collection, 'k2'), ['integrity'], [one, two, a.key], 'swapped record k2');
    });
  });
});
