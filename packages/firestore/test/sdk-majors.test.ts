// The peer range is ^7 || ^8 || ^9. The contract suite runs with v7 (the devDependency); this file runs the
// adapter's Firestore-specific paths with a client from each major, passed in through the `firestore` option: the
// preconditions (create, delete with lastUpdateTime), the document-id query with a cursor, reading timestamps and
// bytes, and error codes.

import { createRequire } from 'node:module';
import { Firestore as FirestoreV7 } from '@google-cloud/firestore';
import { afterAll, describe, expect, it } from '@jest/globals';
import { type ByteStore, encodeFrame } from '@oauth-store/core';
import {
  collectionId,
  DEFAULT_ENTRIES_COLLECTION,
  EXPIRES_AT_FIELD,
  FirestoreStore,
  keyId,
  VALUE_FIELD,
} from '../src/index';
import { emulatorHost, freshRoot, PROJECT_ID } from './helpers';

const bytes = (text: string) => new TextEncoder().encode(text);
const text = (value: Uint8Array | undefined) => (value === undefined ? undefined : new TextDecoder().decode(value));

interface AnyFirestore {
  doc(path: string): { set(data: Record<string, unknown>): Promise<unknown> };
  terminate(): Promise<void>;
}

type FirestoreClass = new (settings: { projectId: string }) => AnyFirestore;
// The v8 and v9 aliases (npm:@google-cloud/firestore@^8 / ^9) ship types for the module name
// '@google-cloud/firestore' only, so they are loaded untyped.
const require = createRequire(import.meta.url);
const load = (name: string) => (require(name) as { Firestore: FirestoreClass }).Firestore;
const majors: Array<[string, FirestoreClass, string]> = [
  ['v7', FirestoreV7 as unknown as FirestoreClass, '@google-cloud/firestore'],
  ['v8', load('@google-cloud/firestore-v8'), '@google-cloud/firestore-v8'],
  ['v9', load('@google-cloud/firestore-v9'), '@google-cloud/firestore-v9'],
];

for (const [major, Firestore, packageName] of majors) {
  describe(`@google-cloud/firestore ${major}`, () => {
    emulatorHost();
    const clients = Array.from({ length: 3 }, () => new Firestore({ projectId: PROJECT_ID }));
    const rootCollection = freshRoot();
    const stores: ByteStore[] = clients.map(
      (firestore) => new FirestoreStore({ firestore: firestore as never, rootCollection, timeoutMs: 20_000 }),
    );
    const [store] = stores as [ByteStore];
    afterAll(async () => {
      await Promise.all(stores.map((s) => s.close()));
      await Promise.all(clients.map((client) => client.terminate()));
    });

    it('is the intended major', () => {
      const { version } = require(`${packageName}/package.json`) as { version: string };
      expect(`v${version.split('.')[0]}`).toBe(major);
    });

    it('get, set with TTL, onlyIfAbsent, delete, take', async () => {
      expect(await store.set('c', 'k', bytes('v'), { ttlMs: 60_000 })).toBe(true);
      expect(text(await store.get('c', 'k'))).toBe('v');
      expect(await store.set('c', 'k', bytes('w'), { onlyIfAbsent: true })).toBe(false);
      expect(text(await store.take('c', 'k'))).toBe('v');
      expect(await store.take('c', 'k')).toBeUndefined();
      expect(await store.set('c', 'k', bytes('x'), { onlyIfAbsent: true })).toBe(true);
      expect(await store.delete('c', 'k')).toBe(true);
      expect(await store.delete('c', 'k')).toBe(false);
    }, 30_000);

    it('an expired, undeleted document is invisible and onlyIfAbsent replaces it', async () => {
      const client = clients[0] as AnyFirestore;
      await client.doc(`${rootCollection}/${collectionId('c')}/${DEFAULT_ENTRIES_COLLECTION}/${keyId('old')}`).set({
        [VALUE_FIELD]: encodeFrame(Buffer.from('stale'), Date.now() - 1),
        [EXPIRES_AT_FIELD]: new Date(Date.now() - 1),
      });
      expect(await store.get('c', 'old')).toBeUndefined();
      expect(await store.list('c')).toEqual({ keys: [] });
      expect(await store.set('c', 'old', bytes('new'), { onlyIfAbsent: true })).toBe(true);
      expect(text(await store.get('c', 'old'))).toBe('new');
    }, 30_000);

    it('list pages by document id with cursors', async () => {
      const keys = Array.from({ length: 7 }, (_, i) => `p${i}`);
      for (const key of keys) await store.set('paged', key, bytes(key));
      const seen: string[] = [];
      let cursor: string | undefined;
      for (let pages = 0; pages < 10; pages++) {
        const page = await store.list('paged', { limit: 3, ...(cursor ? { cursor } : {}) });
        seen.push(...page.keys);
        if (!page.cursor) break;
        cursor = page.cursor;
      }
      expect(seen.sort()).toEqual(keys);
    }, 30_000);

    it('concurrent takes over three clients: exactly one winner; concurrent creates: exactly one wins', async () => {
      for (let round = 0; round < 3; round++) {
        await store.set('race', `t${round}`, bytes('v'));
        const taken = await Promise.all(
          Array.from({ length: 12 }, (_, i) => (stores[i % stores.length] as ByteStore).take('race', `t${round}`)),
        );
        expect(taken.filter((value) => value !== undefined)).toHaveLength(1);
        const created = await Promise.all(
          Array.from({ length: 12 }, (_, i) =>
            (stores[i % stores.length] as ByteStore).set('race', `c${round}`, bytes(String(i)), { onlyIfAbsent: true }),
          ),
        );
        expect(created.filter(Boolean)).toHaveLength(1);
      }
    }, 60_000);
  });
}
