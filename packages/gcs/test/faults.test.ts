// GcsStore when responses are lost or the service answers 503: faults injected by the GCS FAKE (its own in-process
// instance, through the real SDK). These pin the retry claims of the README: a conditional write whose answer was lost
// is recognised on retry by its write id, and a one-time take is never served twice.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { isOAuthStoreError } from '@oauth-store/core';
import { type FakeGcs, startFakeGcs } from '../../test-servers/src/fakes/gcs/index';
import { GcsStore, objectName } from '../src/index';
import { bytes, newStorage, randomCollection } from './support';

const BUCKET = 'fault-tests';
let fake: FakeGcs;

beforeAll(async () => {
  fake = await startFakeGcs({ buckets: [BUCKET] });
});
afterAll(async () => {
  await fake.close();
});

const store = (retry = true) =>
  new GcsStore({
    bucket: BUCKET,
    storageOptions: {
      apiEndpoint: fake.endpoint,
      projectId: 'oauth-store-test',
      // Short backoff so the retries these tests wait for take milliseconds, not seconds.
      retryOptions: { autoRetry: retry, maxRetries: 3, retryDelayMultiplier: 1.1, maxRetryDelay: 1 },
    },
  });

const stored = (collection: string, key: string) =>
  fake.state.objects(BUCKET).get(objectName('oauth-store/', collection, key));

describe('GcsStore under injected faults (GCS fake)', () => {
  it('onlyIfAbsent whose upload landed but whose answer was lost still resolves true (write id recognised)', async () => {
    const collection = randomCollection();
    fake.faults.inject({ kind: 'drop-response', method: 'POST', path: /uploadType=multipart/ });
    expect(await store().set(collection, 'code', bytes('v'), { onlyIfAbsent: true })).toBe(true);
    expect(fake.faults.pending).toBe(0);
    expect(stored(collection, 'code')?.data.toString()).toBe('v');
    // And a genuine second writer is still refused.
    expect(await store().set(collection, 'code', bytes('w'), { onlyIfAbsent: true })).toBe(false);
  });

  it('a take whose delete landed but whose answer was lost resolves undefined: the value is served at most once', async () => {
    const collection = randomCollection();
    await store().set(collection, 'code', bytes('secret'));
    fake.faults.inject({ kind: 'drop-response', method: 'DELETE', path: /ifGenerationMatch=/ });
    const first = await store().take(collection, 'code');
    expect(fake.faults.pending).toBe(0);
    expect(first).toBeUndefined();
    expect(stored(collection, 'code')).toBeUndefined();
    expect(await store().take(collection, 'code')).toBeUndefined();
  });

  it('a 503 is retried by the SDK for reads and conditional writes', async () => {
    const collection = randomCollection();
    fake.faults.inject({ kind: 'unavailable', method: 'POST', path: /uploadType=multipart/ });
    expect(await store().set(collection, 'k', bytes('v'))).toBe(true);
    fake.faults.inject({ kind: 'unavailable', method: 'GET', path: /alt=media/ });
    expect(await store().get(collection, 'k')).toEqual(bytes('v'));
    fake.faults.inject({ kind: 'unavailable', method: 'DELETE', path: /ifGenerationMatch=/ });
    expect(await store().take(collection, 'k')).toEqual(bytes('v'));
    expect(fake.faults.pending).toBe(0);
  });

  it('a 503 with retries off is a StoreUnavailableError that names the status, not the key', async () => {
    const collection = randomCollection();
    fake.faults.inject({ kind: 'unavailable', method: 'GET', path: /\/o\// });
    const error = await store(false)
      .get(collection, 'secret-code')
      .catch((e: unknown) => e);
    expect(isOAuthStoreError(error, 'unavailable')).toBe(true);
    expect((error as Error).message).toContain('503');
    expect((error as Error).message).not.toContain(Buffer.from('secret-code').toString('base64url'));
  });

  it("never switches off the client's retries (SDK 7 leaves them off after an unconditional save)", async () => {
    const storage = newStorage(fake.endpoint);
    const shared = new GcsStore({ bucket: BUCKET, storage });
    const collection = randomCollection();
    await shared.set(collection, 'k', bytes('1'));
    await shared.set(collection, 'k', bytes('2'));
    await shared.set(collection, 'k', bytes('3'), { onlyIfAbsent: true, ttlMs: 60_000 });
    await shared.get(collection, 'k');
    await shared.list(collection);
    await shared.take(collection, 'k');
    await shared.delete(collection, 'k');
    expect(storage.retryOptions.autoRetry).toBe(true);
    // The SDK behaviour this guards against, shown on the same kind of client:
    const raw = newStorage(fake.endpoint);
    await raw.bucket(BUCKET).file(`raw-${collection}`).save(Buffer.from('v'), { resumable: false });
    expect(raw.retryOptions.autoRetry).toBe(false);
  });

  it('the raw SDK sees the injected 503 as a retryable ApiError (the fault looks like GCS)', async () => {
    fake.faults.inject({ kind: 'unavailable', method: 'GET', path: /probe/ });
    const storage = newStorage(fake.endpoint);
    storage.retryOptions.autoRetry = false;
    await expect(storage.bucket(BUCKET).file('probe').getMetadata()).rejects.toMatchObject({
      code: 503,
      errors: [expect.objectContaining({ reason: 'backendError' })],
    });
  });
});
