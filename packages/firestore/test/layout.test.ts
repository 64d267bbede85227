import { randomBytes } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import { MIN_KEY_BYTES } from '@oauth-store/core';
import { decodeCursor } from '../src/cursor';
import {
  base64urlLength,
  COLLECTION_ID_PREFIX,
  collectionId,
  FIRESTORE_MAX_ID_BYTES,
  isKeyId,
  isValidCollectionSegment,
  KEY_ID_PREFIX,
  keyFromId,
  keyId,
  MAX_COLLECTION_BYTES,
  MAX_KEY_BYTES,
} from '../src/layout';

// Firestore's constraints on document and collection ids (https://cloud.google.com/firestore/quotas).
function assertValidFirestoreId(id: string) {
  expect(Buffer.byteLength(id, 'utf8')).toBeLessThanOrEqual(FIRESTORE_MAX_ID_BYTES);
  expect(id).not.toContain('/');
  expect(id).not.toBe('.');
  expect(id).not.toBe('..');
  expect(id).not.toMatch(/^__.*__$/s);
  expect(id.length).toBeGreaterThan(0);
}

const tricky = [
  '.',
  '..',
  '/',
  'a/b',
  '__name__',
  '__',
  '____',
  '_',
  'é',
  'e\u0301',
  '😀',
  '\u0000',
  ' ',
  'https://client.example/metadata.json',
  '\u{10ffff}\u{10ffff}\u{10ffff}',
];

describe('document id encoding', () => {
  it('fits the longest key and collection within Firestore ids, and maxKeyBytes is at least the contract minimum', () => {
    expect(MAX_KEY_BYTES).toBeGreaterThanOrEqual(MIN_KEY_BYTES);
    expect(KEY_ID_PREFIX.length + base64urlLength(MAX_KEY_BYTES)).toBeLessThanOrEqual(FIRESTORE_MAX_ID_BYTES);
    expect(COLLECTION_ID_PREFIX.length + base64urlLength(MAX_COLLECTION_BYTES)).toBeLessThanOrEqual(
      FIRESTORE_MAX_ID_BYTES,
    );
    const longest = 'é'.repeat(MAX_KEY_BYTES / 2);
    expect(Buffer.byteLength(longest)).toBe(MAX_KEY_BYTES);
    assertValidFirestoreId(keyId(longest));
    assertValidFirestoreId(collectionId('x'.repeat(MAX_COLLECTION_BYTES)));
  });

  it('produces valid Firestore ids for tricky names and decodes them back', () => {
    for (const name of tricky) {
      assertValidFirestoreId(keyId(name));
      assertValidFirestoreId(collectionId(name));
      expect(isKeyId(keyId(name))).toBe(true);
      expect(keyFromId(keyId(name))).toBe(name);
    }
    // Every id starts with a letter, so none can be ".", ".." or start with "__".
    expect(keyId('.')[0]).toBe(KEY_ID_PREFIX);
    expect(collectionId('..')[0]).toBe(COLLECTION_ID_PREFIX);
  });

  it('never maps two different keys to the same id', () => {
    const names = new Set<string>(tricky);
    for (let i = 0; i < 2000; i++) names.add(randomBytes(1 + (i % 40)).toString('latin1'));
    for (let i = 0; i < 200; i++) names.add('a'.repeat(i));
    const ids = new Set([...names].map(keyId));
    expect(ids.size).toBe(names.size);
  });

  it('accepts only its own cursors', () => {
    const id = keyId('some key');
    expect(decodeCursor(id)).toBe(id);
    for (const bad of ['', 'x', 'k', 'k/../x', `c${id.slice(1)}`, 'k==', `k${'A'.repeat(1500)}`]) {
      expect(() => decodeCursor(bad)).toThrow(expect.objectContaining({ code: 'invalid_value' }));
    }
  });

  it('validates configured collection ids like Firestore does', () => {
    for (const ok of ['oauth_store', 'x', '_x_', 'a.b']) expect(isValidCollectionSegment(ok)).toBe(true);
    for (const bad of ['', '.', '..', '__x__', 'a/b', 'x'.repeat(1501), '\ud800']) {
      expect(isValidCollectionSegment(bad)).toBe(false);
    }
  });
});
