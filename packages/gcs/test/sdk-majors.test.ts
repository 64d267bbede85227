// The peer range is ^7.17.1 || ^8. Most tests use v7 (the devDependency); this file runs the adapter's Cloud Storage
// paths with a client from each major, and from the lowest version the range admits (7.17.1, the `-lowest` alias),
// passed in
// through the `storage` option (the store builds its no-retry write client from the same class): plain and
// conditional writes, compare-and-set, take, a create whose answer is lost through the lossy proxy (not written back
// after another process took the entry: the SDK did not resend it), and whether the write client authenticates as the
// application's client does. Against the harness's GCS server: the wire-level FAKE unless GCS_FAKE_ENDPOINT says
// otherwise.
// The floor is 7.17.1, not 7.0.0: before 7.17.1 a Storage instance does not keep `useAuthWithCustomEndpoint`, so the
// store's write client, built from the settings it reads off the application's client, sent writes to a custom
// endpoint without credentials while reads were authenticated (found by this file's auth test on 7.0.0).
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Storage as StorageV7 } from '@google-cloud/storage';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type LossyProxy, startLossyProxy } from '@oauth-store/contract-tests';
import { isOutcomeUnknown } from '@oauth-store/core';
import { GcsStore, objectName } from '../src/index';
import { bytes, endpoint, freshBucket, newStorage, randomCollection } from './support';

type StorageClass = typeof StorageV7;
const require = createRequire(import.meta.url);
// The lowest and v8 aliases ship types for the module name '@google-cloud/storage' only: loaded untyped.
const loadAlias = (name: string) => () => (require(name) as { Storage: StorageClass }).Storage;

interface Major {
  name: string;
  load: () => StorageClass;
  /** The package the class is loaded from. */
  packageName: string;
  /** The versions that package must be. */
  version: RegExp;
}

const majors: Major[] = [
  {
    name: 'v7',
    load: () => StorageV7,
    packageName: '@google-cloud/storage',
    version: /^7\./,
  },
  {
    name: 'v7 lowest (7.17.1)',
    load: loadAlias('@google-cloud/storage-lowest'),
    packageName: '@google-cloud/storage-lowest',
    version: /^7\.17\.1$/,
  },
  {
    name: 'v8',
    load: loadAlias('@google-cloud/storage-v8'),
    packageName: '@google-cloud/storage-v8',
    version: /^8\./,
  },
];

for (const { name: major, load, packageName, version: expectedVersion } of majors) {
  describe(`@google-cloud/storage ${major} (Node ${process.versions.node})`, () => {
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

    it('is the intended version', () => {
      // The package's exports hide package.json: read the one of the copy the name resolves to (next to its build
      // directory), so an alias that resolved to another version cannot pass.
      const entry = require.resolve(packageName);
      const { name, version } = JSON.parse(
        readFileSync(join(entry.slice(0, entry.lastIndexOf('/build/')), 'package.json'), 'utf8'),
      ) as { name: string; version: string };
      expect(name).toBe('@google-cloud/storage');
      expect(version).toMatch(expectedVersion);
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

    it('the write client authenticates where the application client does (custom endpoint, useAuthWithCustomEndpoint)', async () => {
      // A server that records each request's Authorization header and answers 503 (the store gives up at once).
      const seen: string[] = [];
      const server = createServer((request, response) => {
        seen.push(`${request.method} ${request.headers.authorization ?? 'no credentials'}`);
        response.writeHead(503, { 'content-type': 'application/json' }).end('{"error":{"code":503,"message":"x"}}');
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      // A static token on google-auth-library's OAuth2Client, from the copy this SDK uses.
      const { OAuth2Client } = createRequire(require.resolve(packageName))('google-auth-library') as {
        OAuth2Client: new () => { setCredentials(credentials: object): void };
      };
      const authClient = new OAuth2Client();
      authClient.setCredentials({ access_token: 'probe-token', expiry_date: Date.now() + 3_600_000 });
      const Storage = load();
      const probed = new GcsStore({
        bucket: 'probe-bucket',
        timeoutMs: 5_000,
        storage: new Storage({
          apiEndpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
          projectId: 'oauth-store-test',
          useAuthWithCustomEndpoint: true,
          authClient: authClient as never,
          retryOptions: { autoRetry: false },
        }),
      });
      try {
        await probed.get('c', 'k').catch(() => undefined); // through the application's client
        await probed.set('c', 'k', bytes('v')).catch(() => undefined); // through the store's write client
      } finally {
        await probed.close();
        await new Promise((resolve) => server.close(resolve));
      }
      expect(seen.find((line) => line.startsWith('GET'))).toBe('GET Bearer probe-token');
      expect(seen.find((line) => line.startsWith('POST'))).toBe('POST Bearer probe-token');
    });
  });
}
