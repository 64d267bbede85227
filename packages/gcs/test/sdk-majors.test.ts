// The peer range is ^7 || ^8. Most tests use v7 (the devDependency); this file runs the adapter's Cloud Storage paths
// with a client from each major, passed in through the `storage` option (the store builds its no-retry write client
// from the same class): plain and conditional writes, compare-and-set, take, and a create whose answer is lost through
// the lossy proxy (not written back after another process took the entry: the SDK did not resend it). Against the
// harness's GCS server: the wire-level FAKE unless GCS_FAKE_ENDPOINT says otherwise.
// @google-cloud/storage 8 declares Node >= 22: its block runs only there (`npx -y node@22 scripts/run-jest.mjs ...`).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { Storage as StorageV7 } from '@google-cloud/storage';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type LossyProxy, startLossyProxy } from '@oauth-store/contract-tests';
import { isOutcomeUnknown } from '@oauth-store/core';
import { GcsStore, objectName } from '../src/index';
import { bytes, endpoint, freshBucket, newStorage, randomCollection } from './support';

type StorageClass = typeof StorageV7;
const require = createRequire(import.meta.url);
const nodeMajor = Number(process.versions.node.split('.')[0]);
const majors: Array<[string, () => StorageClass, string, boolean]> = [
  ['v7', () => StorageV7, '@google-cloud/storage', true],
  [
    'v8',
    () => (require('@google-cloud/storage-v8') as { Storage: StorageClass }).Storage,
    '@google-cloud/storage-v8',
    nodeMajor >= 22,
  ],
];

for (const [major, load, packageName, supported] of majors) {
  (supported ? describe : describe.skip)(`@google-cloud/storage ${major} (Node ${process.versions.node})`, () => {
    let bucket: string;
    let proxy: LossyProxy;
    let store: GcsStore;
    let lossy: GcsStore;
    const direct = newStorage();

    beforeAll(async () => {
      const Storage = load();
      bucket = await freshBucket();
      const backend = new URL(endpoint());
      proxy = await startLossyProxy({ host: backend.hostname, port: Number(backend.port) });
      const client = (apiEndpoint: string) =>
        new Storage({ apiEndpoint, projectId: 'oauth-store-test', useAuthWithCustomEndpoint: false });
      store = new GcsStore({ bucket, storage: client(endpoint()) });
      lossy = new GcsStore({ bucket, storage: client(`http://127.0.0.1:${proxy.port}`) });
    });
    afterAll(async () => {
      await store.close();
      await lossy.close();
      await proxy.close();
    });

    it('is the intended major', () => {
      // The package's exports hide package.json: read it next to its build directory.
      const entry = require.resolve(packageName);
      const { version } = JSON.parse(
        readFileSync(join(entry.slice(0, entry.lastIndexOf('/build/')), 'package.json'), 'utf8'),
      ) as { version: string };
      expect(`v${version.split('.')[0]}`).toBe(major);
    });

    it('set, onlyIfAbsent, compare-and-set, delete, take', async () => {
      const c = randomCollection();
      expect(await store.set(c, 'k', bytes('v1'), { ttlMs: 60_000 })).toBe(true);
      expect(await store.set(c, 'k', bytes('x'), { onlyIfAbsent: true })).toBe(false);
      const entry = await store.getEntry(c, 'k');
      expect(await store.set(c, 'k', bytes('v2'), { ifVersion: entry?.version as string })).toBe(true);
      expect(await store.set(c, 'k', bytes('v3'), { ifVersion: entry?.version as string })).toBe(false);
      expect(await store.delete(c, 'k', { ifVersion: entry?.version as string })).toBe(false);
      expect(await store.take(c, 'k')).toEqual(bytes('v2'));
      expect(await store.take(c, 'k')).toBeUndefined();
    });

    it('a create whose answer is lost is not resent after another process took the entry', async () => {
      const c = randomCollection();
      const file = direct.bucket(bucket).file(objectName('oauth-store/', c, 'code'));
      proxy.setMode('drop-responses');
      const created = lossy.set(c, 'code', bytes('grant'), { onlyIfAbsent: true });
      const deadline = Date.now() + 10_000;
      while (!(await file.exists())[0]) {
        if (Date.now() > deadline) throw new Error('the upload never reached the server');
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      await file.delete();
      proxy.setMode('pass');
      proxy.resetConnections();
      const error = await created.then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(isOutcomeUnknown(error)).toBe(true);
      expect((await file.exists())[0]).toBe(false);
    });
  });
}
