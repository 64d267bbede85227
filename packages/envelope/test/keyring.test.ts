import { randomBytes } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import { createKeyring, isKeyring } from '../src/index';

const key = () => new Uint8Array(randomBytes(32));

describe('createKeyring', () => {
  it('holds one primary and decrypt-only keys, and exposes kids only', () => {
    const primary = { kid: 'k2', key: key() };
    const old = { kid: 'k1', key: key() };
    const keyring = createKeyring({ primary, decryptOnly: [old, primary] });
    expect(keyring.primaryKid).toBe('k2');
    expect(keyring.decryptOnlyKids).toEqual(['k1']);
    expect(keyring.has('k1') && keyring.has('k2') && !keyring.has('k3')).toBe(true);
    expect(isKeyring(keyring)).toBe(true);
    const printed = JSON.stringify(keyring);
    for (const material of [primary.key, old.key]) {
      expect(printed).not.toContain(Buffer.from(material).toString('hex'));
      expect(printed).not.toContain(Buffer.from(material).toString('base64'));
    }
    expect(Object.values(keyring).some((value) => value instanceof Uint8Array)).toBe(false);
  });

  it('copies material: changing the caller array later does not change the keyring', async () => {
    const material = key();
    const keyring = createKeyring({ primary: { kid: 'k', key: material }, decryptOnly: [] });
    const { sealRecord, openRecord } = await import('../src/seal');
    const sealed = sealRecord(keyring, { namespace: '', collection: 'c', key: 'k' }, Uint8Array.of(1, 2, 3), 0);
    material.fill(0);
    expect(Array.from(openRecord(keyring, { namespace: '', collection: 'c', key: 'k' }, sealed).value)).toEqual([
      1, 2, 3,
    ]);
  });

  it.each([
    ['a short key', { primary: { kid: 'k', key: new Uint8Array(16) }, decryptOnly: [] }, /16 bytes.*exactly 32/],
    ['a string key', { primary: { kid: 'k', key: 'x'.repeat(32) }, decryptOnly: [] }, /must be a Uint8Array/],
    ['a kid with a space', { primary: { kid: 'a b', key: key() }, decryptOnly: [] }, /printable ASCII/],
    ['an empty kid', { primary: { kid: '', key: key() }, decryptOnly: [] }, /printable ASCII/],
    ['a 256-character kid', { primary: { kid: 'k'.repeat(256), key: key() }, decryptOnly: [] }, /1 to 255/],
    ['no primary', { decryptOnly: [] }, /primary key must be an object/],
    [
      'one kid with two keys',
      { primary: { kid: 'k', key: key() }, decryptOnly: [{ kid: 'k', key: key() }] },
      /repeats the kid of an earlier key with a different key/,
    ],
    [
      'decryptOnly not an array',
      { primary: { kid: 'k', key: key() }, decryptOnly: {} },
      /decryptOnly must be an array/,
    ],
  ])('rejects %s with a configuration error that shows no material', (_label, material, pattern) => {
    let caught: unknown;
    try {
      createKeyring(material as never);
    } catch (error) {
      caught = error;
    }
    expect(caught).toMatchObject({ code: 'configuration', message: expect.stringMatching(pattern) });
    const primaryKey = (material as { primary?: { key?: unknown } }).primary?.key;
    if (primaryKey instanceof Uint8Array && primaryKey.some((byte) => byte !== 0)) {
      expect((caught as Error).message).not.toContain(Buffer.from(primaryKey).toString('hex'));
    }
  });
});
