import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { assertNoWindowOf, EncryptionFixture, keyring, marker, newKey } from './fixture';
import { defineEncryptionSuite } from './suite';

/** Stored bytes hold no plaintext and no key material, and encryption is randomised. */
export const runConfidentialityTests = defineEncryptionSuite('confidentiality', (options, test) => {
  test('round-trips values while the inner store holds none of them in the clear', async () => {
    await EncryptionFixture.run(options, async (fixture) => {
      const a = newKey('a');
      const store = await fixture.wrap(keyring(a));
      const collection = fixture.collection();
      const text = marker();
      const binary = new Uint8Array(randomBytes(256));
      const empty = new Uint8Array(0);
      await store.set(collection, 'text', text);
      await store.set(collection, 'binary', binary, { ttlMs: 3_600_000 });
      await store.set(collection, 'empty', empty);
      assert.deepEqual(Buffer.from((await store.get(collection, 'text'))!), Buffer.from(text));
      assert.deepEqual(Buffer.from((await store.get(collection, 'binary'))!), Buffer.from(binary));
      assert.equal((await store.get(collection, 'empty'))?.byteLength, 0);
      for (const [key, plaintext] of [
        ['text', text],
        ['binary', binary],
      ] as const) {
        const raw = await fixture.raw(collection, key);
        assert.ok(raw.byteLength > plaintext.byteLength, `${key}: the stored record is not longer than the value`);
        assertNoWindowOf(raw, plaintext, 8, `${key} value`);
        assertNoWindowOf(raw, a.key, 8, 'the key-encryption key');
        assertNoWindowOf(raw, Buffer.from(Buffer.from(plaintext).toString('base64')), 12, `${key} value in base64`);
        assertNoWindowOf(raw, Buffer.from(Buffer.from(plaintext).toString('hex')), 16, `${key} value in hex`);
      }
      const emptyRaw = await fixture.raw(collection, 'empty');
      assert.ok(emptyRaw.byteLength > 0, 'an empty value must still be stored as an authenticated record');
    });
  });

  test('encrypts the same value twice to different bytes (no deterministic encryption)', async () => {
    await EncryptionFixture.run(options, async (fixture) => {
      const store = await fixture.wrap(keyring(newKey('a')));
      const collection = fixture.collection();
      const value = marker();
      await store.set(collection, 'one', value);
      await store.set(collection, 'two', value);
      const first = await fixture.raw(collection, 'one');
      await store.set(collection, 'one', value);
      const again = await fixture.raw(collection, 'one');
      const second = await fixture.raw(collection, 'two');
      assert.notDeepEqual(Buffer.from(first), Buffer.from(second), 'same value under two keys gave identical records');
      assert.notDeepEqual(Buffer.from(first), Buffer.from(again), 'rewriting the same value gave identical bytes');
    });
  });
});
