import { createDecipheriv, randomBytes } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import { concatBytes, encodeHeader } from '../src/format';
import { createKeyring } from '../src/index';
import { deriveDataKey, openRecord, payloadAad, wrapAad, wrappingKey } from '../src/seal';
import { ciphertextValidUnderTwoKeys } from './support/gcm-collision';

function gcmOpen(key: Uint8Array, nonce: Uint8Array, sealed: Uint8Array, aad: Uint8Array): Buffer {
  const decipher = createDecipheriv('aes-256-gcm', key, nonce, { authTagLength: 16 });
  decipher.setAAD(aad);
  decipher.setAuthTag(sealed.subarray(sealed.length - 16));
  return Buffer.concat([decipher.update(sealed.subarray(0, sealed.length - 16)), decipher.final()]);
}

describe('key commitment (one ciphertext cannot decrypt under two keys)', () => {
  // Two parties hold different KEKs under the same kid (a malicious writer, or a split-brain key rollout).
  const kid = 'shared-kid';
  const kekA = new Uint8Array(randomBytes(32));
  const kekB = new Uint8Array(randomBytes(32));
  const address = { namespace: '', collection: 'clients', key: 'client-1' };
  const expiresAt = 0;
  const header = encodeHeader(expiresAt, kid);
  const wrapSalt = new Uint8Array(randomBytes(32));
  // Version 2 wraps with a fixed zero nonce: every wrapping key encrypts exactly once.
  const zeroNonce = new Uint8Array(12);
  const wrapKeyA = wrappingKey(kekA, wrapSalt);
  const wrapKeyB = wrappingKey(kekB, wrapSalt);

  // 1. A wrapped DEK that AES-GCM accepts under both wrapping keys, unwrapping to two different DEKs.
  const wrapped = ciphertextValidUnderTwoKeys(
    wrapKeyA,
    wrapKeyB,
    zeroNonce,
    wrapAad(kid),
    new Uint8Array(randomBytes(16)),
  );
  const dekA = gcmOpen(wrapKeyA, zeroNonce, wrapped, wrapAad(kid));
  const dekB = gcmOpen(wrapKeyB, zeroNonce, wrapped, wrapAad(kid));
  // 2. A payload that AES-GCM accepts under both derived payload keys.
  const payloadNonce = new Uint8Array(randomBytes(12));
  const aad = payloadAad(address, expiresAt);
  const keyA = deriveDataKey(dekA);
  const keyB = deriveDataKey(dekB);
  const payload = ciphertextValidUnderTwoKeys(
    keyA.payloadKey,
    keyB.payloadKey,
    payloadNonce,
    aad,
    new Uint8Array(randomBytes(32)),
  );
  const recordFor = (commitment: Uint8Array) =>
    concatBytes([header, wrapSalt, wrapped, commitment, payloadNonce, payload]);

  it('AES-GCM alone accepts the crafted record under both keys, with different plaintexts', () => {
    expect(dekA.equals(dekB)).toBe(false);
    const plainA = gcmOpen(keyA.payloadKey, payloadNonce, payload, aad);
    const plainB = gcmOpen(keyB.payloadKey, payloadNonce, payload, aad);
    expect(plainA.equals(plainB)).toBe(false);
  });

  it('the envelope accepts it only under the key its commitment names, and says why otherwise', () => {
    const readerA = createKeyring({ primary: { kid, key: kekA }, decryptOnly: [] });
    const readerB = createKeyring({ primary: { kid, key: kekB }, decryptOnly: [] });
    const committedToA = recordFor(keyA.commitment);
    expect(Buffer.from(openRecord(readerA, address, committedToA).value)).toEqual(
      gcmOpen(keyA.payloadKey, payloadNonce, payload, aad),
    );
    expect(() => openRecord(readerB, address, committedToA)).toThrow(
      expect.objectContaining({ code: 'integrity', message: expect.stringContaining('key-commitment') }),
    );
    const committedToB = recordFor(keyB.commitment);
    expect(() => openRecord(readerA, address, committedToB)).toThrow(
      expect.objectContaining({ code: 'integrity', message: expect.stringContaining('key-commitment') }),
    );
    expect(Buffer.from(openRecord(readerB, address, committedToB).value)).toEqual(
      gcmOpen(keyB.payloadKey, payloadNonce, payload, aad),
    );
  });
});
