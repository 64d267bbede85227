import { createDecipheriv, randomBytes } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import { concatBytes, encodeHeader, payloadAad } from '../src/format';
import { createKeyring } from '../src/index';
import { deriveFromDek, openRecord } from '../src/seal';
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
  const address = { collection: 'clients', key: 'client-1' };
  const expiresAt = 0;
  const header = encodeHeader(expiresAt, kid);
  const wrapNonce = new Uint8Array(randomBytes(12));
  const payloadNonce = new Uint8Array(randomBytes(12));

  // 1. A wrapped DEK that AES-GCM accepts under both KEKs, unwrapping to two different DEKs.
  const wrapped = ciphertextValidUnderTwoKeys(kekA, kekB, wrapNonce, header, new Uint8Array(randomBytes(16)));
  const dekA = gcmOpen(kekA, wrapNonce, wrapped, header);
  const dekB = gcmOpen(kekB, wrapNonce, wrapped, header);
  // 2. A payload that AES-GCM accepts under both derived payload keys.
  const aad = payloadAad(address.collection, address.key, expiresAt);
  const keyA = deriveFromDek(dekA);
  const keyB = deriveFromDek(dekB);
  const payload = ciphertextValidUnderTwoKeys(
    keyA.payloadKey,
    keyB.payloadKey,
    payloadNonce,
    aad,
    new Uint8Array(randomBytes(32)),
  );
  const recordFor = (commitment: Uint8Array) =>
    concatBytes([header, wrapNonce, wrapped, commitment, payloadNonce, payload]);

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
    expect(Buffer.from(openRecord(readerA, address, committedToA))).toEqual(
      gcmOpen(keyA.payloadKey, payloadNonce, payload, aad),
    );
    expect(() => openRecord(readerB, address, committedToA)).toThrow(
      expect.objectContaining({ code: 'integrity', message: expect.stringContaining('key-commitment') }),
    );
    const committedToB = recordFor(keyB.commitment);
    expect(() => openRecord(readerA, address, committedToB)).toThrow(
      expect.objectContaining({ code: 'integrity', message: expect.stringContaining('key-commitment') }),
    );
    expect(Buffer.from(openRecord(readerB, address, committedToB))).toEqual(
      gcmOpen(keyB.payloadKey, payloadNonce, payload, aad),
    );
  });
});
