// Lost responses between the SDK and the patched emulator: a loopback proxy forwards each request but drops the
// answer, then resets the connection. Before contract v2, gax retried the commit on the UNAVAILABLE that followed: the
// caller's own `create` answered ALREADY_EXISTS (false for its own write), and a create resent after another process
// took the entry wrote it back (a double take). Now every commit is sent once and the runtime recognises its own write.
// (A lost take is not shown here: a take reads before it deletes, and a proxy that drops every answer cannot let the
// read through and lose only the delete's answer.)
import { Firestore } from '@google-cloud/firestore';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { type LossyProxy, startLossyProxy } from '@oauth-store/contract-tests';
import { isOutcomeUnknown, StoreUnavailableError } from '@oauth-store/core';
import { collectionId, DEFAULT_ENTRIES_COLLECTION, FirestoreStore, keyId } from '../src/index';
import { emulatorHost, freshRoot, newClient, PROJECT_ID } from './helpers';

const raw = newClient();
const rootCollection = freshRoot();
let proxy: LossyProxy;
let store: FirestoreStore;

/** A client through the proxy. The SDK lets FIRESTORE_EMULATOR_HOST win over settings, so it is unset meanwhile. */
function clientThrough(port: number): Firestore {
  const saved = process.env.FIRESTORE_EMULATOR_HOST;
  delete process.env.FIRESTORE_EMULATOR_HOST;
  try {
    return new Firestore({ projectId: PROJECT_ID, host: `127.0.0.1:${port}`, ssl: false });
  } finally {
    process.env.FIRESTORE_EMULATOR_HOST = saved;
  }
}

beforeAll(async () => {
  const [host, port] = emulatorHost().split(':');
  proxy = await startLossyProxy({ host: host as string, port: Number(port) });
  store = new FirestoreStore({ firestore: clientThrough(proxy.port), rootCollection, timeoutMs: 15_000 });
  // The first call of a client loads its protos and connects: do it before any fault.
  await store.get('warmup', 'warmup');
});

afterEach(() => proxy.setMode('pass'));

afterAll(async () => {
  await store.close();
  await proxy.close();
  await raw.terminate();
});

const docOf = (collection: string, key: string) =>
  raw.doc(`${rootCollection}/${collectionId(collection)}/${DEFAULT_ENTRIES_COLLECTION}/${keyId(key)}`);

/** Waits until the emulator holds the document: the commit went through, its answer did not. */
async function untilStored(collection: string, key: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!(await docOf(collection, key).get()).exists) {
    if (Date.now() > deadline) throw new Error('the commit never reached the emulator');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('firestore (patched emulator): lost responses (drop-responses, then a connection reset)', () => {
  it('a create whose response is lost resolves true for its own writer', async () => {
    const collection = `lost-${freshRoot()}`;
    proxy.setMode('drop-responses');
    const created = store.set(collection, 'code', Buffer.from('grant'), { onlyIfAbsent: true, ttlMs: 60_000 });
    await untilStored(collection, 'code');
    proxy.setMode('pass');
    proxy.resetConnections();
    expect(await created).toBe(true);
    expect(Buffer.from((await store.take(collection, 'code')) ?? []).toString()).toBe('grant');
  }, 30_000);

  it('a create whose response is lost is not resent after another process took the entry: no double take', async () => {
    const collection = `lost-${freshRoot()}`;
    proxy.setMode('drop-responses');
    const created = store.set(collection, 'code', Buffer.from('grant'), { onlyIfAbsent: true, ttlMs: 60_000 });
    await untilStored(collection, 'code');
    // Another process redeems the code while the creator still waits for its answer.
    await docOf(collection, 'code').delete();
    proxy.setMode('pass');
    proxy.resetConnections();
    const error = await created.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(StoreUnavailableError);
    expect(isOutcomeUnknown(error)).toBe(true);
    // Nothing wrote it back: the second redemption finds nothing.
    expect((await docOf(collection, 'code').get()).exists).toBe(false);
    expect(await store.take(collection, 'code')).toBeUndefined();
  }, 30_000);
});
