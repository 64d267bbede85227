// The vectors are read from the spec page itself, so the page and the code cannot drift apart. Version 2 vectors
// are checked both ways (decrypt; re-encrypt with the same fixed randomness to the same bytes); version 1 vectors
// (records written by 0.1) must still decrypt: the backward-compatibility promise of the Versioning section.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from '@jest/globals';
import { keyFromSecret, MemoryStore, type SecretEncoding } from '@oauth-store/core';
import { encodeHeader } from '../src/format';
import { createKeyring, inspectEnvelope, rewrap, withEnvelopeEncryption } from '../src/index';
import { createKeyHasher } from '../src/key-hash';
import { fingerprintKid } from '../src/key-sources/secret-format';
import { deriveDataKey, openRecord, payloadAad, sealWithKey, wrapAad, wrappingKey } from '../src/seal';
import { deriveFromDekV1, payloadAadV1, sealV1 } from '../src/seal-v1';

const spec = readFileSync(join(dirname(fileURLToPath(import.meta.url)), '../../../docs/encryption-format.md'), 'utf8');
const block = /## Test vectors[\s\S]*?```json\n([\s\S]*?)```/.exec(spec)?.[1];
const v1Block = /## Version 1[\s\S]*?```json\n([\s\S]*?)```/.exec(spec)?.[1];

interface RecordVector {
  namespace: string;
  collection: string;
  key: string;
  plaintextUtf8: string;
  expiresAt: number;
  dek: string;
  wrapSalt: string;
  payloadNonce: string;
  wrappingKey: string;
  wrapAad: string;
  payloadAad: string;
  payloadKey: string;
  commitment: string;
  envelope: string;
}
interface V1RecordVector {
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

describe('docs/encryption-format.md test vectors (version 2)', () => {
  it('the spec page has a JSON vector block for each version', () => {
    expect(block).toBeDefined();
    expect(v1Block).toBeDefined();
  });
  const vectors = JSON.parse(block ?? '{"records":[]}') as Vectors;
  const kek = { kid: vectors.kid, key: bytes(vectors.kek) };
  const keyring = createKeyring({ primary: kek, decryptOnly: [] });

  it('covers an expiring record, a non-ASCII key with an empty value, and a namespace', () => {
    expect(vectors.records.some((v) => v.expiresAt > 0)).toBe(true);
    expect(vectors.records.some((v) => v.plaintextUtf8 === '')).toBe(true);
    expect(vectors.records.some((v) => v.namespace !== '')).toBe(true);
  });

  for (const vector of vectors.records) {
    describe(`record ${vector.namespace}/${vector.collection}/${vector.key}`, () => {
      const address = { namespace: vector.namespace, collection: vector.collection, key: vector.key };

      it('decrypts to the plaintext and reports the header fields', () => {
        const opened = openRecord(keyring, address, bytes(vector.envelope));
        expect(Buffer.from(opened.value).toString('utf8')).toBe(vector.plaintextUtf8);
        expect(opened.expiresAt).toBe(vector.expiresAt);
        expect(inspectEnvelope(bytes(vector.envelope))).toEqual({
          formatVersion: 2,
          kid: vectors.kid,
          expiresAt: vector.expiresAt || undefined,
        });
      });

      it('encrypts to exactly the same bytes with the same fixed randomness', () => {
        const sealed = sealWithKey(kek, address, Buffer.from(vector.plaintextUtf8, 'utf8'), vector.expiresAt, {
          dek: bytes(vector.dek),
          wrapSalt: bytes(vector.wrapSalt),
          payloadNonce: bytes(vector.payloadNonce),
        });
        expect(hex(sealed)).toBe(vector.envelope);
      });

      it('matches the intermediate values', () => {
        const derived = deriveDataKey(bytes(vector.dek));
        expect(hex(derived.payloadKey)).toBe(vector.payloadKey);
        expect(hex(derived.commitment)).toBe(vector.commitment);
        expect(hex(wrappingKey(bytes(vectors.kek), bytes(vector.wrapSalt)))).toBe(vector.wrappingKey);
        expect(hex(wrapAad(vectors.kid))).toBe(vector.wrapAad);
        expect(hex(payloadAad(address, vector.expiresAt))).toBe(vector.payloadAad);
        expect(vector.envelope.startsWith(hex(encodeHeader(vector.expiresAt, vectors.kid, 2)))).toBe(true);
      });

      it('does not decrypt under another key, collection or namespace', () => {
        for (const other of [
          { ...address, key: `${vector.key}x` },
          { ...address, collection: `${vector.collection}x` },
          { ...address, namespace: `${vector.namespace}x` },
        ]) {
          expect(() => openRecord(keyring, other, bytes(vector.envelope))).toThrow(
            expect.objectContaining({ code: 'integrity' }),
          );
        }
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

describe('version 1 records (written by 0.1) stay readable', () => {
  const vectors = JSON.parse(v1Block ?? '{"records":[]}') as { kek: string; kid: string; records: V1RecordVector[] };
  const kek = { kid: vectors.kid, key: bytes(vectors.kek) };
  const keyring = createKeyring({ primary: kek, decryptOnly: [] });

  for (const vector of vectors.records) {
    const address = { namespace: '', collection: vector.collection, key: vector.key };
    it(`decrypts the v1 vector ${vector.collection}/${vector.key} and still matches its intermediate values`, () => {
      const opened = openRecord(keyring, address, bytes(vector.envelope));
      expect(Buffer.from(opened.value).toString('utf8')).toBe(vector.plaintextUtf8);
      expect(inspectEnvelope(bytes(vector.envelope)).formatVersion).toBe(1);
      const sealed = sealV1(kek, address, Buffer.from(vector.plaintextUtf8, 'utf8'), vector.expiresAt, {
        dek: bytes(vector.dek),
        wrapNonce: bytes(vector.wrapNonce),
        payloadNonce: bytes(vector.payloadNonce),
      });
      expect(hex(sealed)).toBe(vector.envelope);
      const derived = deriveFromDekV1(bytes(vector.dek));
      expect(hex(derived.payloadKey)).toBe(vector.payloadKey);
      expect(hex(derived.commitment)).toBe(vector.commitment);
      expect(hex(encodeHeader(vector.expiresAt, vectors.kid, 1))).toBe(vector.header);
      expect(hex(payloadAadV1(vector.collection, vector.key, vector.expiresAt))).toBe(vector.payloadAad);
    });
  }

  it('a v1 record in a store reads back through the wrapper (get and take), and a rewrite makes it v2', async () => {
    const inner = new MemoryStore();
    const store = withEnvelopeEncryption(inner, { keyring: { primary: kek, decryptOnly: [] } });
    await inner.set('clients', 'old', sealV1(kek, { collection: 'clients', key: 'old' }, Buffer.from('legacy'), 0));
    expect(Buffer.from((await store.get('clients', 'old'))!).toString()).toBe('legacy');
    await store.set('clients', 'old', Buffer.from('rewritten'));
    expect(inspectEnvelope((await inner.get('clients', 'old'))!).formatVersion).toBe(2);
    await inner.set(
      'codes',
      'c',
      sealV1(kek, { collection: 'codes', key: 'c' }, Buffer.from('code'), Date.now() + 60_000),
    );
    expect(Buffer.from((await store.take('codes', 'c'))!).toString()).toBe('code');
    await store.close();
  });

  it('rewrap moves a v1 record to the new primary, still v1, and it reads under the new key alone', async () => {
    const inner = new MemoryStore();
    await inner.set('clients', 'old', sealV1(kek, { collection: 'clients', key: 'old' }, Buffer.from('legacy'), 0));
    const next = { kid: 'next-kek', key: new Uint8Array(32).fill(7) };
    const result = await rewrap(inner, { primary: next, decryptOnly: [kek] }, { collections: ['clients'] });
    expect(result).toMatchObject({ rewrapped: 1, failed: 0 });
    const raw = (await inner.get('clients', 'old'))!;
    expect(inspectEnvelope(raw)).toMatchObject({ formatVersion: 1, kid: 'next-kek' });
    const store = withEnvelopeEncryption(inner, { keyring: { primary: next, decryptOnly: [] } });
    expect(Buffer.from((await store.get('clients', 'old'))!).toString()).toBe('legacy');
    await store.close();
  });

  it('an expired v1 record is not returned even when the backend still holds it', async () => {
    const inner = new MemoryStore();
    const store = withEnvelopeEncryption(inner, { keyring: { primary: kek, decryptOnly: [] } });
    await inner.set('codes', 'c', sealV1(kek, { collection: 'codes', key: 'c' }, Buffer.from('code'), Date.now() - 1));
    expect(await store.get('codes', 'c')).toBeUndefined();
    await store.close();
  });

  it('a v1 record is refused in a store with a namespace (v1 binds none)', async () => {
    const inner = new MemoryStore();
    const store = withEnvelopeEncryption(inner, { keyring: { primary: kek, decryptOnly: [] }, namespace: 'tenant-a' });
    await inner.set('clients', 'old', sealV1(kek, { collection: 'clients', key: 'old' }, Buffer.from('legacy'), 0));
    await expect(store.get('clients', 'old')).rejects.toMatchObject({ code: 'integrity' });
    await store.close();
  });
});
