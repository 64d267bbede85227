import assert from 'node:assert/strict';
import { expectRejection, keyring, marker, newKey } from '../encryption/fixture';
import { AttackFixture } from './fixture';
import { defineAttackSuite } from './suite';

// A byte changed inside a stored key id may turn it into an id the keyring does not hold: as loud as integrity.
const CODES = ['integrity', 'unknown_key_id'] as const;

/** Raw-record tampering: any edit of the stored bytes is a typed error on every read path, never data. */
export const runTamperAttacks = defineAttackSuite('raw-record tamper', (options, test) => {
  test('every single byte of a record with an expiry, changed in place, is detected (get, take)', async () => {
    await AttackFixture.run(options, async (fixture) => {
      const a = newKey('a');
      const inner = await fixture.inner();
      const store = await fixture.wrap(inner, keyring(a));
      const collection = fixture.collection();
      const value = marker();
      // An expiring record: the expiry is one of the fields an attacker most wants to edit.
      await store.set(collection, 'k', value, { ttlMs: 600_000 });
      const raw = Uint8Array.from((await inner.get(collection, 'k'))!);
      for (let offset = 0; offset < raw.length; offset += 1) {
        const edited = Uint8Array.from(raw);
        edited[offset] = edited[offset]! ^ 0x5a;
        await inner.set(collection, 'k', edited);
        await expectRejection(store.get(collection, 'k'), CODES, [value, a.key], `byte ${offset} changed`);
      }
      await inner.set(collection, 'k', raw);
      await expectRejection(
        store.take(collection, 'k').then(async (taken) => {
          // Untouched, the record reads (so the failures above came from the edits); then edit and take.
          assert.deepEqual(Buffer.from(taken!), Buffer.from(value));
          const edited = Uint8Array.from(raw);
          edited[edited.length - 1] = edited[edited.length - 1]! ^ 1;
          await inner.set(collection, 'k', edited);
          return store.take(collection, 'k');
        }),
        CODES,
        [value, a.key],
        'take of an edited record',
      );
    });
  });

  test('cut, extended or zeroed records are detected', async () => {
    await AttackFixture.run(options, async (fixture) => {
      const a = newKey('a');
      const inner = await fixture.inner();
      const store = await fixture.wrap(inner, keyring(a));
      const collection = fixture.collection();
      const value = marker();
      await store.set(collection, 'k', value);
      const raw = (await inner.get(collection, 'k'))!;
      const variants: Array<[string, Uint8Array]> = [
        ['the last byte cut', raw.slice(0, raw.length - 1)],
        ['half of it', raw.slice(0, raw.length >> 1)],
        ['a byte appended', Uint8Array.from([...raw, 0])],
        ['itself appended', Uint8Array.from([...raw, ...raw])],
        ['the second half zeroed', Uint8Array.from(raw, (byte, i) => (i < raw.length >> 1 ? byte : 0))],
      ];
      for (const [label, bytes] of variants) {
        await inner.set(collection, 'k', bytes);
        await expectRejection(store.get(collection, 'k'), CODES, [value, a.key], label);
      }
    });
  });

  test('a record written under another deployment’s key (same kid name) is rejected, never decrypted as garbage', async () => {
    await AttackFixture.run(options, async (fixture) => {
      const ours = newKey('shared');
      const theirs = { kid: ours.kid, key: newKey('x').key };
      const inner = await fixture.inner();
      const store = await fixture.wrap(inner, keyring(ours));
      const attacker = await fixture.wrap(inner, keyring(theirs));
      const collection = fixture.collection();
      const planted = marker();
      await attacker.set(collection, 'k', planted);
      await expectRejection(store.get(collection, 'k'), CODES, [planted, ours.key, theirs.key], 'foreign key');
    });
  });
});
