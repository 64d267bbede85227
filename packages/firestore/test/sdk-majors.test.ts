// The peer range is ^7 || ^8 || ^9. The contract suite runs with v7 (the devDependency); this file runs the
// adapter's Firestore-specific paths with a client from each major, and from the lowest version the range admits
// (7.0.0, the `-lowest` alias), passed in through the `firestore` option: the
// preconditions (create, update and delete with lastUpdateTime), compare-and-set, the document-id query with a
// cursor, reading timestamps and bytes, and the single-attempt commit (a create whose answer is lost through the
// lossy proxy is not resent after another process took the entry).

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { Firestore as FirestoreV7 } from '@google-cloud/firestore';
import { afterAll, describe, expect, it } from '@jest/globals';
import { startLossyProxy } from '@oauth-store/contract-tests';
import { type ByteStore, encodeFrame, isOutcomeUnknown } from '@oauth-store/core';
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
  doc(path: string): {
    set(data: Record<string, unknown>): Promise<unknown>;
    get(): Promise<{ exists: boolean }>;
    delete(): Promise<unknown>;
  };
  terminate(): Promise<void>;
}

type FirestoreClass = new (settings: { projectId: string; host?: string; ssl?: boolean }) => AnyFirestore;
// The lowest, v8 and v9 aliases (npm:@google-cloud/firestore@7.0.0 / ^8 / ^9) ship types for the module name
// '@google-cloud/firestore' only, so they are loaded untyped.
const require = createRequire(import.meta.url);
const load = (name: string) => (require(name) as { Firestore: FirestoreClass }).Firestore;
// [name, client class, package it is loaded from, the versions that package must be]
const majors: Array<[string, FirestoreClass, string, RegExp]> = [
  ['v7', FirestoreV7 as unknown as FirestoreClass, '@google-cloud/firestore', /^7\./],
  ['v7 lowest (7.0.0)', load('@google-cloud/firestore-lowest'), '@google-cloud/firestore-lowest', /^7\.0\.0$/],
  ['v8', load('@google-cloud/firestore-v8'), '@google-cloud/firestore-v8', /^8\./],
  ['v9', load('@google-cloud/firestore-v9'), '@google-cloud/firestore-v9', /^9\./],
];

for (const [major, Firestore, packageName, expectedVersion] of majors) {
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

    it('is the intended version', () => {
      // The package.json of the copy the name resolves to (its entry point is build/src/index.js), so an alias that
      // resolved to another version cannot pass.
      const entry = require.resolve(packageName);
      const manifest = join(entry.slice(0, entry.lastIndexOf('/build/')), 'package.json');
      const { name, version } = JSON.parse(readFileSync(manifest, 'utf8')) as { name: string; version: string };
      expect(name).toBe('@google-cloud/firestore');
      expect(version).toMatch(expectedVersion);
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

    it('compare-and-set: ifVersion set and delete apply only on the version read', async () => {
      expect(await store.set('cas', 'k', bytes('v1'))).toBe(true);
      const entry = await store.getEntry('cas', 'k');
      const version = entry?.version as string;
      expect(await (stores[1] as ByteStore).set('cas', 'k', bytes('v2'), { ifVersion: version })).toBe(true);
      expect(await (stores[2] as ByteStore).set('cas', 'k', bytes('v3'), { ifVersion: version })).toBe(false);
      expect(await store.delete('cas', 'k', { ifVersion: version })).toBe(false);
      expect(text(await store.get('cas', 'k'))).toBe('v2');
    }, 30_000);

    it('a create whose answer is lost is not resent after another process took the entry', async () => {
      const [host, port] = emulatorHost().split(':');
      const proxy = await startLossyProxy({ host: host as string, port: Number(port) });
      // The SDK lets FIRESTORE_EMULATOR_HOST win over settings: unset it while this client is built.
      const saved = process.env.FIRESTORE_EMULATOR_HOST;
      delete process.env.FIRESTORE_EMULATOR_HOST;
      const client = new Firestore({ projectId: PROJECT_ID, host: `127.0.0.1:${proxy.port}`, ssl: false });
      process.env.FIRESTORE_EMULATOR_HOST = saved;
      const lossy = new FirestoreStore({ firestore: client as never, rootCollection, timeoutMs: 15_000 });
      try {
        await lossy.get('warmup', 'warmup');
        const doc = (clients[0] as AnyFirestore).doc(
          `${rootCollection}/${collectionId('lost')}/${DEFAULT_ENTRIES_COLLECTION}/${keyId('code')}`,
        );
        proxy.setMode('drop-responses');
        const created = lossy.set('lost', 'code', bytes('grant'), { onlyIfAbsent: true });
        const deadline = Date.now() + 10_000;
        while (!(await doc.get()).exists) {
          if (Date.now() > deadline) throw new Error('the commit never reached the emulator');
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
        await doc.delete();
        proxy.setMode('pass');
        proxy.resetConnections();
        const error = await created.then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(isOutcomeUnknown(error)).toBe(true);
        expect((await doc.get()).exists).toBe(false);
      } finally {
        await lossy.close();
        await client.terminate();
        await proxy.close();
      }
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
