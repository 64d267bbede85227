import { randomBytes } from 'node:crypto';
import { EncryptionFixture, expectRejection, keyring, newKey } from './fixture';
import { defineEncryptionSuite } from './suite';

/** Bytes the wrapper did not write are rejected, never passed through as if they were decrypted data. */
export const runPlantedTests = defineEncryptionSuite('planted records', (options, test) => {
  const plants: Array<[string, () => Uint8Array]> = [
    [
      'JSON plaintext',
      () => new TextEncoder().encode('{"client_id":"planted","redirect_uris":["https://evil.example"]}'),
    ],
    ['an empty value', () => new Uint8Array(0)],
    ['random bytes', () => new Uint8Array(randomBytes(200))],
    ['a single zero byte', () => Uint8Array.of(0)],
  ];
  for (const [label, make] of plants) {
    test(`${label} planted in the backend is rejected with integrity (get and take)`, async () => {
      await EncryptionFixture.run(options, async (fixture) => {
        const a = newKey('a');
        const store = await fixture.wrap(keyring(a));
        const collection = fixture.collection();
        const planted = make();
        await fixture.inner.set(collection, 'k', planted);
        await expectRejection(store.get(collection, 'k'), ['integrity'], [a.key, planted], `get of ${label}`);
        await expectRejection(store.take(collection, 'k'), ['integrity'], [a.key, planted], `take of ${label}`);
      });
    });
  }

  test('a genuine format prefix followed by plaintext is rejected', async () => {
    await EncryptionFixture.run(options, async (fixture) => {
      const a = newKey('a');
      const store = await fixture.wrap(keyring(a));
      const collection = fixture.collection();
      // The prefix of a real record followed by plaintext: a format prefix alone must not make bytes trusted.
      await store.set(collection, 'real', new Uint8Array(8));
      const raw = await fixture.raw(collection, 'real');
      const plaintext = new TextEncoder().encode('{"planted":true}');
      const forged = new Uint8Array(8 + plaintext.byteLength);
      forged.set(raw.subarray(0, 8));
      forged.set(plaintext, 8);
      await fixture.inner.set(collection, 'forged', forged);
      // unknown_key_id is accepted too: in some formats the first 8 bytes end inside the key id.
      await expectRejection(
        store.get(collection, 'forged'),
        ['integrity', 'unknown_key_id'],
        [a.key, plaintext],
        'prefix + plaintext',
      );
    });
  });
});
