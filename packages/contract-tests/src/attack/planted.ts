import { randomBytes } from 'node:crypto';
import { expectRejection, keyring, marker, newKey } from '../encryption/fixture';
import { AttackFixture } from './fixture';
import { defineAttackSuite } from './suite';

/** Planted records: bytes the wrapper did not write are rejected on every read path, never passed through. */
export const runPlantedAttacks = defineAttackSuite('planted plaintext', (options, test) => {
  const plants: Array<[string, () => Uint8Array]> = [
    [
      'a plaintext client registration',
      () =>
        new TextEncoder().encode(
          '{"client_id":"evil","client_secret":"x","redirect_uris":["https://attacker.example/cb"]}',
        ),
    ],
    ['an empty value', () => new Uint8Array(0)],
    ['random bytes', () => new Uint8Array(randomBytes(300))],
  ];
  for (const [label, make] of plants) {
    test(`${label} planted in the backend is rejected (get, getEntry, take)`, async () => {
      await AttackFixture.run(options, async (fixture) => {
        const a = newKey('a');
        const inner = await fixture.inner();
        const store = await fixture.wrap(inner, keyring(a));
        const collection = fixture.collection();
        const planted = make();
        await inner.set(collection, 'k', planted);
        await expectRejection(store.get(collection, 'k'), ['integrity'], [a.key, planted], `get of ${label}`);
        await expectRejection(store.getEntry(collection, 'k'), ['integrity'], [a.key, planted], `getEntry of ${label}`);
        await expectRejection(store.take(collection, 'k'), ['integrity'], [a.key, planted], `take of ${label}`);
      });
    });
  }

  test('a genuine record’s header followed by planted plaintext is rejected', async () => {
    await AttackFixture.run(options, async (fixture) => {
      const a = newKey('a');
      const inner = await fixture.inner();
      const store = await fixture.wrap(inner, keyring(a));
      const collection = fixture.collection();
      const genuine = marker();
      await store.set(collection, 'real', genuine);
      const raw = (await inner.get(collection, 'real'))!;
      const plaintext = new TextEncoder().encode('{"planted":true,"scope":"admin"}');
      // Keep everything but the last (plaintext + 16) bytes: a plausible envelope with a planted body.
      const cut = Math.max(0, raw.length - genuine.length - 16);
      await inner.set(collection, 'forged', Uint8Array.from([...raw.subarray(0, cut), ...plaintext]));
      await expectRejection(
        store.get(collection, 'forged'),
        ['integrity', 'unknown_key_id'],
        [a.key, plaintext, genuine],
        'header + plaintext',
      );
    });
  });
});
