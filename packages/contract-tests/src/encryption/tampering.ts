import assert from 'node:assert/strict';
import { EncryptionFixture, expectRejection, keyring, marker, newKey } from './fixture';
import { defineEncryptionSuite } from './suite';

// A flipped bit inside the stored key id may turn it into an id the keyring does not hold: that is reported as
// unknown_key_id, which is as loud as integrity. Anything else (a value, undefined) fails the test.
const TAMPER_CODES = ['integrity', 'unknown_key_id'] as const;

/** Every bit flip, every truncation and any extension of a stored record is detected. */
export const runTamperingTests = defineEncryptionSuite('tampering', (options, test) => {
  test('every single bit flip of a small record fails (all bits)', async () => {
    await EncryptionFixture.run(options, async (fixture) => {
      const a = newKey('a');
      const store = await fixture.wrap(keyring(a));
      const collection = fixture.collection();
      const value = new TextEncoder().encode('xyz0123456789'.slice(0, options.bitFlipPlaintextBytes));
      await store.set(collection, 'k', value);
      const raw = await fixture.raw(collection, 'k');
      for (let bit = 0; bit < raw.byteLength * 8; bit += 1) {
        const flipped = Uint8Array.from(raw);
        flipped[bit >> 3]! ^= 1 << (bit & 7);
        await fixture.inner.set(collection, 'k', flipped);
        await expectRejection(store.get(collection, 'k'), TAMPER_CODES, [a.key], `bit ${bit} flipped`);
      }
      // The untouched record still decrypts: the failures above came from the flips.
      await fixture.inner.set(collection, 'k', raw);
      assert.deepEqual(Buffer.from((await store.get(collection, 'k'))!), Buffer.from(value));
    });
  });

  test('every truncation of a record fails, down to zero bytes', async () => {
    await EncryptionFixture.run(options, async (fixture) => {
      const a = newKey('a');
      const store = await fixture.wrap(keyring(a));
      const collection = fixture.collection();
      const value = marker();
      await store.set(collection, 'k', value);
      const raw = await fixture.raw(collection, 'k');
      for (let length = 0; length < raw.byteLength; length += 1) {
        await fixture.inner.set(collection, 'k', raw.slice(0, length));
        await expectRejection(store.get(collection, 'k'), TAMPER_CODES, [value, a.key], `truncated to ${length} bytes`);
      }
    });
  });

  test('appended bytes fail', async () => {
    await EncryptionFixture.run(options, async (fixture) => {
      const a = newKey('a');
      const store = await fixture.wrap(keyring(a));
      const collection = fixture.collection();
      const value = marker();
      await store.set(collection, 'k', value);
      const raw = await fixture.raw(collection, 'k');
      for (const extra of [Uint8Array.of(0), Uint8Array.of(0xff, 0xff, 0xff, 0xff)]) {
        const longer = new Uint8Array(raw.byteLength + extra.byteLength);
        longer.set(raw);
        longer.set(extra, raw.byteLength);
        await fixture.inner.set(collection, 'k', longer);
        await expectRejection(
          store.get(collection, 'k'),
          TAMPER_CODES,
          [value, a.key],
          `${extra.length} bytes appended`,
        );
      }
    });
  });

  test('a tampered record is reported by take too (typed, never returned)', async () => {
    await EncryptionFixture.run(options, async (fixture) => {
      const a = newKey('a');
      const store = await fixture.wrap(keyring(a));
      const collection = fixture.collection();
      const value = marker();
      await store.set(collection, 'k', value);
      const raw = await fixture.raw(collection, 'k');
      const flipped = Uint8Array.from(raw);
      flipped[flipped.byteLength - 1]! ^= 0x80;
      await fixture.inner.set(collection, 'k', flipped);
      await expectRejection(store.take(collection, 'k'), TAMPER_CODES, [value, a.key], 'take of a tampered record');
    });
  });
});
