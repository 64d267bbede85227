// The adapter through the real @google-cloud/firestore SDK against the patched emulator the global setup started.
// White-box checks read and write the raw documents with the SDK to prove the layout and the expiry filter.
import { type DocumentReference, type Firestore, Timestamp } from '@google-cloud/firestore';
import { afterAll, describe, expect, it } from '@jest/globals';
import { type ByteStore, decodeFrame, encodeFrame, isOAuthStoreError, StoreClosedError } from '@oauth-store/core';
import { providers } from '@oauth-store/test-servers';
import {
  collectionId,
  DEFAULT_ENTRIES_COLLECTION,
  EXPIRES_AT_FIELD,
  FirestoreStore,
  keyId,
  MAX_KEY_BYTES,
  VALUE_FIELD,
} from '../src/index';
import { freshRoot, newClient, newStore, PROJECT_ID } from './helpers';

const bytes = (text: string) => new TextEncoder().encode(text);
const text = (value: Uint8Array | undefined) => (value === undefined ? undefined : new TextDecoder().decode(value));

const raw: Firestore = newClient();
const stores: ByteStore[] = [];
function track<T extends ByteStore>(store: T): T {
  stores.push(store);
  return store;
}
afterAll(async () => {
  await Promise.allSettled(stores.map((store) => store.close()));
  await raw.terminate();
});

/** A store and the raw SDK handle on its entries, for white-box checks. */
function storeWithRaw() {
  const rootCollection = freshRoot();
  const store = track(new FirestoreStore({ firestore: raw, rootCollection }));
  const docOf = (collection: string, key: string) =>
    raw.doc(`${rootCollection}/${collectionId(collection)}/${DEFAULT_ENTRIES_COLLECTION}/${keyId(key)}`);
  return { store, docOf, rootCollection };
}

async function listAll(store: ByteStore, collection: string, limit: number): Promise<string[]> {
  const keys: string[] = [];
  let cursor: string | undefined;
  for (let pages = 0; pages < 1000; pages++) {
    const page = await store.list(collection, { limit, ...(cursor ? { cursor } : {}) });
    expect(page.keys.length).toBeLessThanOrEqual(limit);
    keys.push(...page.keys);
    if (!page.cursor) return keys;
    cursor = page.cursor;
  }
  throw new Error('list did not terminate');
}

describe('FirestoreStore basics', () => {
  it('declares its capabilities', () => {
    const store = track(newStore());
    expect(store.capabilities).toMatchObject({
      name: 'firestore',
      maxKeyBytes: MAX_KEY_BYTES,
      nativeTtl: true,
      atomicTake: true,
    });
    expect(store.capabilities.maxKeyBytes).toBeGreaterThanOrEqual(512);
  });

  it('round-trips values and stores them in the documented layout', async () => {
    const { store, docOf } = storeWithRaw();
    expect(await store.set('codes', 'k1', bytes('v1'), { ttlMs: 60_000 })).toBe(true);
    expect(text(await store.get('codes', 'k1'))).toBe('v1');
    const snapshot = await docOf('codes', 'k1').get();
    expect(snapshot.exists).toBe(true);
    // The record as core's runtime framed it, verbatim: the value after the expiry and the version.
    const frame = decodeFrame(snapshot.get(VALUE_FIELD), 'test');
    expect(Buffer.from(frame.value).toString()).toBe('v1');
    expect(frame.expiresAt).toBe((snapshot.get(EXPIRES_AT_FIELD) as Timestamp).toMillis());
    const expiresAt = snapshot.get(EXPIRES_AT_FIELD);
    expect(expiresAt).toBeInstanceOf(Timestamp);
    expect(Math.abs((expiresAt as Timestamp).toMillis() - (Date.now() + 60_000))).toBeLessThan(5_000);
    // A write without TTL replaces the whole document: the old expiry does not linger.
    await store.set('codes', 'k1', bytes('v2'));
    expect((await docOf('codes', 'k1').get()).get(EXPIRES_AT_FIELD)).toBeUndefined();
    expect(text(await store.get('codes', 'k1'))).toBe('v2');
  }, 20000);

  it('copies the caller buffer and returns a Uint8Array', async () => {
    const store = track(newStore());
    const value = bytes('original');
    const write = store.set('c', 'k', value);
    value.fill(0);
    await write;
    const read = await store.get('c', 'k');
    expect(read).toBeInstanceOf(Uint8Array);
    expect(text(read)).toBe('original');
  });

  it('stores keys of any shape, up to maxKeyBytes, each under its own document', async () => {
    const store = track(newStore());
    const keys = ['.', '..', '/', 'a/b', '__name__', '__x__', 'é', 'e\u0301', '😀', ' ', 'x'.repeat(MAX_KEY_BYTES)];
    for (const [i, key] of keys.entries()) await store.set('c', key, bytes(String(i)));
    for (const [i, key] of keys.entries()) expect(text(await store.get('c', key))).toBe(String(i));
    expect((await listAll(store, 'c', 3)).sort()).toEqual([...keys].sort());
    await expect(store.set('c', 'x'.repeat(MAX_KEY_BYTES + 1), bytes('v'))).rejects.toMatchObject({
      code: 'invalid_key',
    });
  }, 30000);

  it('keeps collections apart, including names that look like paths', async () => {
    const store = track(newStore());
    await store.set('a/b', 'k', bytes('1'));
    await store.set('a', 'b/k', bytes('2'));
    expect(text(await store.get('a/b', 'k'))).toBe('1');
    expect(text(await store.get('a', 'b/k'))).toBe('2');
    expect(await store.get('a', 'k')).toBeUndefined();
  });

  it('delete reports whether a live entry was removed', async () => {
    const store = track(newStore());
    await store.set('c', 'k', bytes('v'));
    expect(await store.delete('c', 'k')).toBe(true);
    expect(await store.delete('c', 'k')).toBe(false);
    expect(await store.get('c', 'k')).toBeUndefined();
  });

  it('take returns the value once', async () => {
    const store = track(newStore());
    await store.set('c', 'k', bytes('v'));
    expect(text(await store.take('c', 'k'))).toBe('v');
    expect(await store.take('c', 'k')).toBeUndefined();
    expect(await store.get('c', 'k')).toBeUndefined();
  });

  it('onlyIfAbsent writes only when no live entry exists', async () => {
    const store = track(newStore());
    expect(await store.set('c', 'k', bytes('first'), { onlyIfAbsent: true })).toBe(true);
    expect(await store.set('c', 'k', bytes('second'), { onlyIfAbsent: true })).toBe(false);
    expect(text(await store.get('c', 'k'))).toBe('first');
  });

  it('closes: later calls reject, and a client passed in is left open', async () => {
    const { store, docOf } = storeWithRaw();
    await store.set('c', 'k', bytes('v'));
    await store.close();
    await expect(store.get('c', 'k')).rejects.toBeInstanceOf(StoreClosedError);
    expect((await docOf('c', 'k').get()).exists).toBe(true);
  });

  it('terminates a client it created on close', async () => {
    const store = newStore();
    await store.set('c', 'k', bytes('v'));
    await store.close();
    await expect(store.get('c', 'k')).rejects.toBeInstanceOf(StoreClosedError);
  });
});

describe('expiry (white-box: documents the TTL policy has not deleted yet)', () => {
  async function plantExpired(docOf: (c: string, k: string) => DocumentReference, key: string) {
    const expiresAt = Date.now() - 1;
    await docOf('c', key).set({
      [VALUE_FIELD]: encodeFrame(Buffer.from('stale'), expiresAt),
      [EXPIRES_AT_FIELD]: new Date(expiresAt),
    });
  }

  it('an expired but undeleted document is invisible to get, take, delete and list', async () => {
    const { store, docOf } = storeWithRaw();
    await plantExpired(docOf, 'gone');
    await store.set('c', 'live', bytes('v'));
    expect((await docOf('c', 'gone').get()).exists).toBe(true);
    expect(await store.get('c', 'gone')).toBeUndefined();
    expect(await listAll(store, 'c', 10)).toEqual(['live']);
    expect(await store.take('c', 'gone')).toBeUndefined();
    await plantExpired(docOf, 'gone');
    expect(await store.delete('c', 'gone')).toBe(false);
  });

  it('an entry stops being visible once its TTL passes', async () => {
    const store = track(newStore());
    await store.set('c', 'k', bytes('v'), { ttlMs: 300 });
    expect(text(await store.get('c', 'k'))).toBe('v');
    const deadline = Date.now() + 5_000;
    while ((await store.get('c', 'k')) !== undefined) {
      if (Date.now() > deadline) throw new Error('entry still visible 5 s after its 300 ms TTL');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(await store.take('c', 'k')).toBeUndefined();
    expect(await store.list('c')).toEqual({ keys: [] });
  });

  it('onlyIfAbsent treats an expired document as absent and replaces it', async () => {
    const { store, docOf } = storeWithRaw();
    await plantExpired(docOf, 'k');
    expect(await store.set('c', 'k', bytes('fresh'), { onlyIfAbsent: true, ttlMs: 60_000 })).toBe(true);
    expect(text(await store.get('c', 'k'))).toBe('fresh');
  });

  it('list fills pages past long runs of expired documents and never returns them', async () => {
    const { store, docOf } = storeWithRaw();
    const live = ['a1', 'a2', 'z1'];
    for (let i = 0; i < 30; i++) await plantExpired(docOf, `m${String(i).padStart(2, '0')}`);
    for (const key of live) await store.set('c', key, bytes('v'));
    expect((await listAll(store, 'c', 2)).sort()).toEqual(live);
    expect((await listAll(store, 'c', 100)).sort()).toEqual(live);
  }, 30000);

  it('rejects a document that does not have the adapter layout with a typed error', async () => {
    const { store, docOf } = storeWithRaw();
    await docOf('c', 'k').set({ something: 'else' });
    await expect(store.get('c', 'k')).rejects.toMatchObject({ code: 'invalid_value' });
  });
});

describe('atomicity under real concurrency', () => {
  it('of many concurrent takes from separate clients, exactly one receives the value', async () => {
    const rootCollection = freshRoot();
    const contenders = Array.from(
      { length: 6 },
      () => new FirestoreStore({ settings: { projectId: PROJECT_ID }, rootCollection }),
    );
    contenders.forEach(track);
    for (let round = 0; round < 3; round++) {
      await contenders[0]?.set('codes', `code-${round}`, bytes(`v${round}`));
      const results = await Promise.all(
        Array.from({ length: 30 }, (_, i) =>
          (contenders[i % contenders.length] as ByteStore).take('codes', `code-${round}`),
        ),
      );
      const winners = results.filter((result) => result !== undefined);
      expect(winners).toHaveLength(1);
      expect(text(winners[0])).toBe(`v${round}`);
    }
  }, 60000);

  it('of concurrent onlyIfAbsent writers, exactly one wins, also over an expired document', async () => {
    const { store, docOf, rootCollection } = storeWithRaw();
    const others = Array.from({ length: 3 }, () =>
      track(new FirestoreStore({ settings: { projectId: PROJECT_ID }, rootCollection })),
    );
    const all = [store, ...others];
    for (const expiredFirst of [false, true]) {
      const key = `k-${expiredFirst}`;
      if (expiredFirst) {
        const expiresAt = Date.now() - 1;
        await docOf('c', key).set({
          [VALUE_FIELD]: encodeFrame(Buffer.from('stale'), expiresAt),
          [EXPIRES_AT_FIELD]: new Date(expiresAt),
        });
      }
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          (all[i % all.length] as ByteStore).set('c', key, bytes(`w${i}`), { onlyIfAbsent: true }),
        ),
      );
      const winners = results.flatMap((won, i) => (won ? [i] : []));
      expect(winners).toHaveLength(1);
      expect(text(await store.get('c', key))).toBe(`w${winners[0]}`);
    }
  }, 60000);

  it('take racing a plain set never returns a value that was overwritten before the take committed', async () => {
    const store = track(newStore());
    for (let round = 0; round < 10; round++) {
      const key = `k${round}`;
      await store.set('c', key, bytes('old'));
      const [taken] = await Promise.all([store.take('c', key), store.set('c', key, bytes('new'))]);
      const left = text(await store.get('c', key));
      // Either the take removed "old" and "new" was written after it (left "new"), or it removed "new" (left
      // nothing). An unconditional delete could return "old" yet delete "new": the precondition forbids that.
      if (text(taken) === 'old') expect(left).toBe('new');
      if (text(taken) === 'new') expect(left).toBeUndefined();
    }
  }, 30000);

  it('list pages never lose or repeat a key that lives throughout, while others are written and deleted', async () => {
    const store = track(newStore());
    const stable = Array.from({ length: 40 }, (_, i) => `stable-${String(i).padStart(2, '0')}`);
    for (const key of stable) await store.set('c', key, bytes('v'));
    let stop = false;
    const churn = (async () => {
      for (let i = 0; !stop; i++) {
        await store.set('c', `churn-${i % 17}`, bytes('v'));
        await store.delete('c', `churn-${(i + 7) % 17}`);
      }
    })();
    try {
      const keys = await listAll(store, 'c', 7);
      const seenStable = keys.filter((key) => key.startsWith('stable-'));
      expect(seenStable.sort()).toEqual(stable);
      expect(new Set(keys).size).toBe(keys.length);
    } finally {
      stop = true;
      await churn;
    }
  }, 30000);
});

describe('errors and timeouts (a dedicated emulator, crashed, frozen and restarted)', () => {
  /** What the harness's Firestore provider returns besides RunningBackend (see test-servers/src/firestore.ts). */
  interface ControllableEmulator {
    env: Record<string, string>;
    kill(): Promise<void>;
    pause(): void;
    resume(): void;
    restart(): Promise<void>;
    stop(): Promise<void>;
  }

  async function dedicatedEmulator(): Promise<ControllableEmulator> {
    const provider = providers.firestore;
    if (!provider) throw new Error('the harness has no firestore provider');
    return (await provider.startLocal()) as unknown as ControllableEmulator;
  }

  /** A store that owns its client, pointed at `host` (the SDK reads FIRESTORE_EMULATOR_HOST when constructed). */
  function storeAt(host: string, timeoutMs: number): FirestoreStore {
    const saved = process.env.FIRESTORE_EMULATOR_HOST;
    process.env.FIRESTORE_EMULATOR_HOST = host;
    try {
      return new FirestoreStore({
        settings: { projectId: PROJECT_ID },
        rootCollection: freshRoot(),
        timeoutMs,
      });
    } finally {
      process.env.FIRESTORE_EMULATOR_HOST = saved;
    }
  }

  /** Waits (with a deadline) until the requests that timed-out calls left behind have finished. */
  async function drained(store: FirestoreStore): Promise<void> {
    const deadline = Date.now() + 30_000;
    while (store.pendingOperations > 0) {
      if (Date.now() > deadline) throw new Error('requests left by timed-out calls did not finish within 30 s');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** Retries `call` until it succeeds (the first call of a fresh client loads protos and connects). */
  async function eventually(call: () => Promise<unknown>, what: string): Promise<void> {
    const deadline = Date.now() + 20_000;
    for (;;) {
      const ok = await call().then(
        () => true,
        () => false,
      );
      if (ok) return;
      if (Date.now() > deadline) throw new Error(`${what} did not succeed within 20 s`);
    }
  }

  async function failure(call: () => Promise<unknown>): Promise<{ error: unknown; elapsed: number }> {
    const started = Date.now();
    const error = await call().then(
      () => undefined,
      (e: unknown) => e,
    );
    return { error, elapsed: Date.now() - started };
  }

  it('a frozen emulator (SIGSTOP) gives StoreUnavailableError after timeoutMs; the store recovers on resume', async () => {
    const emulator = await dedicatedEmulator();
    const store = storeAt(emulator.env.FIRESTORE_EMULATOR_HOST as string, 1_000);
    try {
      await eventually(() => store.set('c', 'secret-code', bytes('v')), 'the first write');
      await drained(store);
      emulator.pause();
      for (const call of [
        () => store.take('c', 'secret-code'),
        () => store.set('c', 'secret-code', bytes('w')),
        () => store.list('c'),
      ]) {
        const { error, elapsed } = await failure(call);
        expect(isOAuthStoreError(error, 'unavailable')).toBe(true);
        expect(elapsed).toBeGreaterThanOrEqual(950);
        // A set whose outcome is unknown is followed by the runtime's own bounded re-read: up to two deadlines.
        expect(elapsed).toBeLessThan(5_000);
        expect((error as Error).message).toMatch(/no answer within 1000 ms|may have been applied/);
        expect((error as Error).message).not.toContain('secret-code');
      }
      emulator.resume();
      // The requests the timed-out calls left behind complete now; the store works again.
      await store.set('c', 'after', bytes('ok'));
      expect(text(await store.get('c', 'after'))).toBe('ok');
      await drained(store);
      expect(store.pendingOperations).toBe(0);
    } finally {
      emulator.resume();
      await store.close();
      await emulator.stop();
    }
  }, 40_000);

  it('a crashed emulator gives StoreUnavailableError; after a restart (empty) the same store works again', async () => {
    const emulator = await dedicatedEmulator();
    const store = storeAt(emulator.env.FIRESTORE_EMULATOR_HOST as string, 1_500);
    try {
      await eventually(() => store.set('c', 'k', bytes('v')), 'the first write');
      await drained(store);
      await emulator.kill();
      for (const call of [() => store.get('c', 'k'), () => store.take('c', 'k'), () => store.list('c')]) {
        const { error, elapsed } = await failure(call);
        expect(isOAuthStoreError(error, 'unavailable')).toBe(true);
        expect(elapsed).toBeLessThan(6_000);
      }
      await emulator.restart();
      // Everything was in memory: the restarted emulator is empty, and the store reconnects to it.
      await eventually(() => store.set('c', 'k2', bytes('v2')), 'a write after the restart');
      expect(text(await store.get('c', 'k2'))).toBe('v2');
      expect(await store.get('c', 'k')).toBeUndefined();
      await drained(store);
    } finally {
      await store.close();
      await emulator.stop();
    }
  }, 60_000);

  it('rejects bad options with ConfigurationError', () => {
    for (const options of [
      { rootCollection: 'a/b' },
      { rootCollection: '__x__' },
      { rootCollection: '' },
      { entriesCollection: 'a/b/c' },
      { entriesCollection: '..' },
      { operationTimeoutMs: 0 },
      { timeoutMs: 1.5 },
      { timeoutMs: 1000, operationTimeoutMs: 1000 },
      { url: 'firestore://?database=x' },
      { url: 'firestore://p?emulator=nohost' },
    ]) {
      expect(() => new FirestoreStore({ firestore: raw, ...options })).toThrow(
        expect.objectContaining({ code: 'configuration' }),
      );
    }
    expect(() => new FirestoreStore({ firestore: raw, rootCollection: 'tenants/acme/oauth_store' })).not.toThrow();
  });
});
