import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from '@jest/globals';
import { keyFromSecret, type SecretEncoding } from '@oauth-store/core';
import { encodeHeader, payloadAad } from '../src/format';
import { createKeyring, inspectEnvelope } from '../src/index';
import { createKeyHasher } from '../src/key-hash';
import { fingerprintKid } from '../src/key-sources/secret-format';
import { deriveFromDek, openRecord, sealWithKey } from '../src/seal';

// The vectors are read from the spec page itself, so the page and the code cannot drift apart.
const spec = readFileSync(join(dirname(fileURLToPath(import.meta.url)), '../../../docs/encryption-format.md'), 'utf8');
const block = /## Test vectors[\s\S]*?```json\n([\s\S]*?)```/.exec(spec)?.[1];

interface RecordVector {
  collection: string;
  key: string;
  plaintextUtf8: string;
  expiresAt: number;
  dek: string;
  wrapNonce: string;
  payloadNonce: string;
  header: string;
  payloadAad: string;
  payloadKey: string;
  commitment: string;
  envelope: string;
}
interface Vectors {
  kek: string;
  kid: string;
  records: RecordVector[];
  hashedKeyName: { hashKey: string; collection: string; key: string; name: string };
  kidFingerprint: { kek: string; kid: string };
  secretToKek: Array<{ encoding: SecretEncoding; secret: string; kek: string }>;
}

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
const bytes = (text: string) => new Uint8Array(Buffer.from(text, 'hex'));

describe('docs/encryption-format.md test vectors', () => {
  it('the spec page has a JSON vector block', () => {
    expect(block).toBeDefined();
  });
  const vectors = JSON.parse(block ?? '{"records":[]}') as Vectors;
  const kek = { kid: vectors.kid, key: bytes(vectors.kek) };
  const keyring = createKeyring({ primary: kek, decryptOnly: [] });

  for (const vector of vectors.records) {
    describe(`record ${vector.collection}/${vector.key}`, () => {
      const address = { collection: vector.collection, key: vector.key };

      it('decrypts to the plaintext and reports the header fields', () => {
        const opened = openRecord(keyring, address, bytes(vector.envelope));
        expect(Buffer.from(opened).toString('utf8')).toBe(vector.plaintextUtf8);
        expect(inspectEnvelope(bytes(vector.envelope))).toEqual({
          formatVersion: 1,
          kid: vectors.kid,
          expiresAt: vector.expiresAt || undefined,
        });
      });

      it('encrypts to exactly the same bytes with the same fixed randomness', () => {
        const sealed = sealWithKey(kek, address, Buffer.from(vector.plaintextUtf8, 'utf8'), vector.expiresAt, {
          dek: bytes(vector.dek),
          wrapNonce: bytes(vector.wrapNonce),
          payloadNonce: bytes(vector.payloadNonce),
        });
        expect(hex(sealed)).toBe(vector.envelope);
      });

      it('matches the intermediate values', () => {
        const derived = deriveFromDek(bytes(vector.dek));
        expect(hex(derived.payloadKey)).toBe(vector.payloadKey);
        expect(hex(derived.commitment)).toBe(vector.commitment);
        expect(hex(encodeHeader(vector.expiresAt, vectors.kid))).toBe(vector.header);
        expect(hex(payloadAad(vector.collection, vector.key, vector.expiresAt))).toBe(vector.payloadAad);
        expect(vector.envelope.startsWith(vector.header)).toBe(true);
      });

      it('does not decrypt under another address', () => {
        expect(() => openRecord(keyring, { ...address, key: `${vector.key}x` }, bytes(vector.envelope))).toThrow(
          expect.objectContaining({ code: 'integrity' }),
        );
      });
    });
  }

  it('hashes a key name as documented', () => {
    const { hashKey, collection, key, name } = vectors.hashedKeyName;
    expect(createKeyHasher(bytes(hashKey))(collection, key)).toBe(name);
  });

  it('derives the default kid fingerprint as documented', () => {
    expect(fingerprintKid(bytes(vectors.kidFingerprint.kek))).toBe(vectors.kidFingerprint.kid);
  });

  it('derives KEKs from secrets as documented (HKDF for long secrets, scrypt for passphrases)', () => {
    for (const { encoding, secret, kek: expected } of vectors.secretToKek) {
      expect(hex(keyFromSecret(secret, encoding))).toBe(expected);
    }
  });
});
