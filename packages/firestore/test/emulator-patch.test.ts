// Tests of the emulator patch itself (patches/@firestore-emulator__server@0.3.15.patch), through the real
// @google-cloud/firestore SDK: each one checks a documented Firestore behaviour the adapter relies on, which the
// unpatched @firestore-emulator/server 0.3.15 did not implement. A regression here would make the adapter's own tests
// prove nothing, so they run first-class with the package's tests.

import { FieldPath, type Firestore, Timestamp } from '@google-cloud/firestore';
import { afterAll, describe, expect, it } from '@jest/globals';
import { freshRoot, newClient } from './helpers';

const GRPC_ALREADY_EXISTS = 6;
const GRPC_FAILED_PRECONDITION = 9;

const db: Firestore = newClient();
afterAll(async () => {
  await db.terminate();
});

function codeOf(promise: Promise<unknown>): Promise<number | 'ok'> {
  return promise.then(
    () => 'ok' as const,
    (error: { code?: number }) => error.code ?? -1,
  );
}

describe('emulator patch: update_time preconditions (Precondition.update_time)', () => {
  it('a delete with a stale update time fails with FAILED_PRECONDITION and leaves the document', async () => {
    const doc = db.collection(freshRoot()).doc('a');
    const first = await doc.set({ n: 1 });
    await doc.set({ n: 2 });
    expect(await codeOf(doc.delete({ lastUpdateTime: first.writeTime }))).toBe(GRPC_FAILED_PRECONDITION);
    expect((await doc.get()).get('n')).toBe(2);
  });

  it('a delete with the current update time succeeds, and a second one with the same time fails', async () => {
    const doc = db.collection(freshRoot()).doc('a');
    await doc.set({ n: 1 });
    const { updateTime } = await doc.get();
    expect(updateTime).toBeDefined();
    expect(await codeOf(doc.delete({ lastUpdateTime: updateTime as Timestamp }))).toBe('ok');
    expect((await doc.get()).exists).toBe(false);
    expect(await codeOf(doc.delete({ lastUpdateTime: updateTime as Timestamp }))).toBe(GRPC_FAILED_PRECONDITION);
  });

  it('a delete with an update-time precondition on a missing document fails', async () => {
    const doc = db.collection(freshRoot()).doc('never-written');
    expect(await codeOf(doc.delete({ lastUpdateTime: Timestamp.fromMillis(Date.now()) }))).toBe(
      GRPC_FAILED_PRECONDITION,
    );
  });

  it('an update with a stale update time fails; with the current one it succeeds', async () => {
    const doc = db.collection(freshRoot()).doc('a');
    const first = await doc.set({ n: 1 });
    await doc.update({ n: 2 });
    expect(await codeOf(doc.update({ n: 3 }, { lastUpdateTime: first.writeTime }))).toBe(GRPC_FAILED_PRECONDITION);
    const { updateTime } = await doc.get();
    expect(await codeOf(doc.update({ n: 4 }, { lastUpdateTime: updateTime as Timestamp }))).toBe('ok');
    expect((await doc.get()).get('n')).toBe(4);
  });

  it('gives every commit its own update time, so a precondition names one version even for writes in the same millisecond', async () => {
    const doc = db.collection(freshRoot()).doc('a');
    const results = await Promise.all(Array.from({ length: 20 }, (_, n) => doc.set({ n })));
    const times = results.map((result) => result.writeTime.toMillis());
    expect(new Set(times).size).toBe(times.length);
  });

  it('of concurrent deletes carrying the same update time, exactly one commits', async () => {
    const doc = db.collection(freshRoot()).doc('a');
    await doc.set({ n: 1 });
    const { updateTime } = await doc.get();
    const clients = Array.from({ length: 4 }, () => newClient());
    try {
      const codes = await Promise.all(
        Array.from({ length: 24 }, (_, i) =>
          codeOf(
            (clients[i % clients.length] as Firestore)
              .doc(doc.path)
              .delete({ lastUpdateTime: updateTime as Timestamp }),
          ),
        ),
      );
      expect(codes.filter((code) => code === 'ok')).toHaveLength(1);
      expect(codes.filter((code) => code === GRPC_FAILED_PRECONDITION)).toHaveLength(23);
    } finally {
      await Promise.all(clients.map((client) => client.terminate()));
    }
  });

  it('create() on an existing document fails with ALREADY_EXISTS (exists=false precondition)', async () => {
    const doc = db.collection(freshRoot()).doc('a');
    await doc.create({ n: 1 });
    expect(await codeOf(doc.create({ n: 2 }))).toBe(GRPC_ALREADY_EXISTS);
    expect((await doc.get()).get('n')).toBe(1);
  });
});

describe('emulator patch: writes replace the whole document', () => {
  it('set() without merge drops fields the new data does not have; set() with merge keeps them', async () => {
    const doc = db.collection(freshRoot()).doc('a');
    await doc.set({ a: 1, b: 2 });
    await doc.set({ a: 3 });
    expect((await doc.get()).data()).toEqual({ a: 3 });
    await doc.set({ c: 4 }, { merge: true });
    expect((await doc.get()).data()).toEqual({ a: 3, c: 4 });
  });
});

describe('emulator patch: query order and cursors', () => {
  const ids = ['kB', 'k-', 'kA', 'k_', 'ka', 'k0', 'kAA', 'k9'];
  // Firestore orders document ids by their UTF-8 bytes: '-' (0x2d) < '0'..'9' < 'A'..'Z' < '_' (0x5f) < 'a'..'z'.
  const sorted = ['k-', 'k0', 'k9', 'kA', 'kAA', 'kB', 'k_', 'ka'];

  async function seeded() {
    const collection = db.collection(freshRoot());
    for (const id of ids) await collection.doc(id).set({ id });
    return collection;
  }

  it('orders by document id by default and with orderBy(documentId())', async () => {
    const collection = await seeded();
    expect((await collection.get()).docs.map((d) => d.id)).toEqual(sorted);
    expect((await collection.orderBy(FieldPath.documentId()).get()).docs.map((d) => d.id)).toEqual(sorted);
    expect((await collection.orderBy(FieldPath.documentId(), 'desc').get()).docs.map((d) => d.id)).toEqual(
      [...sorted].reverse(),
    );
  });

  it('pages with startAfter + limit: every document exactly once, in order', async () => {
    const collection = await seeded();
    const seen: string[] = [];
    let after: string | undefined;
    for (let pages = 0; pages < 10; pages++) {
      let query = collection.orderBy(FieldPath.documentId()).limit(3);
      if (after !== undefined) query = query.startAfter(after);
      const page = (await query.get()).docs.map((d) => d.id);
      seen.push(...page);
      if (page.length < 3) break;
      after = page.at(-1);
    }
    expect(seen).toEqual(sorted);
  });

  it('startAfter a document id that does not exist starts at the next one', async () => {
    const collection = await seeded();
    const page = await collection.orderBy(FieldPath.documentId()).startAfter('k5').limit(2).get();
    expect(page.docs.map((d) => d.id)).toEqual(['k9', 'kA']);
  });

  it('honours startAt, endBefore, endAt and offset', async () => {
    const collection = await seeded();
    const byId = collection.orderBy(FieldPath.documentId());
    expect((await byId.startAt('kA').endBefore('k_').get()).docs.map((d) => d.id)).toEqual(['kA', 'kAA', 'kB']);
    expect((await byId.startAfter('kA').endAt('k_').get()).docs.map((d) => d.id)).toEqual(['kAA', 'kB', 'k_']);
    expect((await byId.offset(5).get()).docs.map((d) => d.id)).toEqual(['kB', 'k_', 'ka']);
  });

  it('orders by a field, breaks ties by document id, and excludes documents without the field', async () => {
    const collection = db.collection(freshRoot());
    await collection.doc('b').set({ n: 1 });
    await collection.doc('a').set({ n: 1 });
    await collection.doc('c').set({ n: 0 });
    await collection.doc('d').set({ other: true });
    expect((await collection.orderBy('n').get()).docs.map((d) => d.id)).toEqual(['c', 'a', 'b']);
    expect(
      (await collection.orderBy('n').orderBy(FieldPath.documentId()).startAfter(1, 'a').get()).docs.map((d) => d.id),
    ).toEqual(['b']);
  });

  it('select() returns only the named fields', async () => {
    const collection = db.collection(freshRoot());
    await collection.doc('a').set({ keep: 1, drop: Buffer.from('big') });
    const [doc] = (await collection.select('keep').get()).docs;
    expect(doc?.data()).toEqual({ keep: 1 });
  });
});

describe('emulator gaps the patch does NOT close (the adapter does not depend on them)', () => {
  it('transactions are not isolated: two transactions that read the same document both commit their writes', async () => {
    const doc = db.collection(freshRoot()).doc('a');
    await doc.set({ n: 0 });
    const other = newClient();
    try {
      let release: () => void = () => {};
      const bothRead = new Promise<void>((resolve) => {
        let reads = 0;
        release = () => {
          reads += 1;
          if (reads === 2) resolve();
        };
      });
      const increment = (client: Firestore) =>
        client.runTransaction(
          async (tx) => {
            const n = (await tx.get(client.doc(doc.path))).get('n') as number;
            release();
            await bothRead;
            tx.set(client.doc(doc.path), { n: n + 1 });
          },
          { maxAttempts: 1 },
        );
      // On real Firestore one of the two would be retried or fail and n would end at 2 (or 1 with a failure).
      const outcomes = await Promise.allSettled([increment(db), increment(other)]);
      expect(outcomes.map((outcome) => outcome.status)).toEqual(['fulfilled', 'fulfilled']);
      expect((await doc.get()).get('n')).toBe(1);
    } finally {
      await other.terminate();
    }
  });
});
