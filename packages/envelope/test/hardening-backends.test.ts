// Issue 12, items 1 and 3, over real Redis and PostgreSQL: the attacker changes what the backend holds behind the
// store's back, with the backend's own tools.
//
// 1. Expiry resurrection: the backend's expiry metadata is removed (Redis PERSIST, PostgreSQL expires_at = NULL), so
//    the backend keeps returning the record after it expired. The envelope's authenticated expiry must still hold, on
//    every read path: get, take, set(onlyIfAbsent), rewrap.
// 3. Replay across namespaces: a record copied byte for byte from one store (key prefix, table) to another that shares
//    the KEK but not the namespace must not decrypt; with equal namespaces (the default) it does, by design (migrate).
import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from '@jest/globals';
import type { ByteStore, KeyringMaterial } from '@oauth-store/core';
import { inspectEnvelope, rewrap, withEnvelopeEncryption } from '../src/index';
import { BACKENDS, dropLocation, type Location, newLocation, openInner, stripBackendExpiry } from './support/backends';

const text = (value: string) => new TextEncoder().encode(value);
const keys = (): KeyringMaterial => ({ primary: { kid: 'k1', key: new Uint8Array(randomBytes(32)) }, decryptOnly: [] });

/** A settable clock: the envelope checks expiry against it; the backend keeps its own real time. */
function clock() {
  let offset = 0;
  return { now: () => Date.now() + offset, advance: (ms: number) => (offset += ms) };
}

const opened: ByteStore[] = [];
const locations: Location[] = [];
afterAll(async () => {
  await Promise.allSettled(opened.map((store) => store.close()));
  await Promise.allSettled(locations.map(dropLocation));
});

async function location(backend: (typeof BACKENDS)[number]): Promise<{ where: Location; inner: ByteStore }> {
  const where = newLocation(backend);
  locations.push(where);
  const inner = await openInner(where);
  opened.push(inner);
  return { where, inner };
}

describe.each(BACKENDS)(
  '%s: the authenticated expiry holds when the backend forgets it (issue 12, item 1)',
  (backend) => {
    /** A record written with a 60 s TTL whose backend expiry was then removed, and a clock moved past its expiry. */
    async function resurrected() {
      const { where, inner } = await location(backend);
      const time = clock();
      const material = keys();
      const store = withEnvelopeEncryption(inner, { keyring: material, now: time.now, dataKeyCache: false });
      const value = text(`grant-${randomBytes(8).toString('hex')}`);
      await store.set('codes', 'code-1', value, { ttlMs: 60_000 });
      await stripBackendExpiry(where, 'codes', 'code-1');
      time.advance(120_000);
      // The attack worked on the backend: it still hands the raw record out, and will forever.
      const raw = await inner.get('codes', 'code-1');
      expect(raw).toBeInstanceOf(Uint8Array);
      expect(inspectEnvelope(raw!).expiresAt).toBeLessThan(time.now());
      return { where, inner, store, time, material, value };
    }

    it('get and take answer undefined, never the revived value', async () => {
      const { store, inner } = await resurrected();
      expect(await store.get('codes', 'code-1')).toBeUndefined();
      expect(await store.take('codes', 'code-1')).toBeUndefined();
      // take still consumed the dead record from the backend.
      expect(await inner.get('codes', 'code-1')).toBeUndefined();
    });

    it('set(onlyIfAbsent) treats the revived record as absent, writes, and the new value reads back', async () => {
      const { store } = await resurrected();
      expect(await store.set('codes', 'code-1', text('fresh'), { onlyIfAbsent: true, ttlMs: 600_000 })).toBe(true);
      expect(Buffer.from((await store.get('codes', 'code-1'))!).toString()).toBe('fresh');
      // And a live record still blocks onlyIfAbsent.
      expect(await store.set('codes', 'code-1', text('again'), { onlyIfAbsent: true })).toBe(false);
    });

    it('rewrap neither rewraps the revived record nor gives it a new lifetime', async () => {
      const { inner, time, material } = await resurrected();
      const rotated = { primary: { kid: 'k2', key: new Uint8Array(randomBytes(32)) }, decryptOnly: [material.primary] };
      const result = await rewrap(inner, rotated, { collections: ['codes'], now: time.now });
      expect(result).toMatchObject({ scanned: 1, expired: 1, rewrapped: 0, failed: 0 });
      expect(inspectEnvelope((await inner.get('codes', 'code-1'))!).kid).toBe('k1');
      const reader = withEnvelopeEncryption(inner, { keyring: rotated, now: time.now });
      expect(await reader.get('codes', 'code-1')).toBeUndefined();
    });

    it('a record whose expiry field was edited in the backend is an integrity error, not a longer life', async () => {
      const { inner } = await location(backend);
      const store = withEnvelopeEncryption(inner, { keyring: keys() });
      await store.set('codes', 'code-2', text('v'), { ttlMs: 60_000 });
      const raw = Uint8Array.from((await inner.get('codes', 'code-2'))!);
      new DataView(raw.buffer).setBigUint64(5, 0n, false); // "never expires"
      await inner.set('codes', 'code-2', raw);
      await expect(store.get('codes', 'code-2')).rejects.toMatchObject({ code: 'integrity' });
    });
  },
);

describe.each(BACKENDS)('%s: records copied between stores sharing a KEK (issue 12, item 3)', (backend) => {
  async function twoStores(namespaces: [string | undefined, string | undefined]) {
    const material = keys();
    const [a, b] = [await location(backend), await location(backend)];
    return {
      a,
      b,
      storeA: withEnvelopeEncryption(a.inner, { keyring: material, namespace: namespaces[0] }),
      storeB: withEnvelopeEncryption(b.inner, { keyring: material, namespace: namespaces[1] }),
    };
  }

  it('a raw record copied to another prefix/table with another namespace fails with integrity (get and take)', async () => {
    const { a, b, storeA, storeB } = await twoStores(['tenant-a', 'tenant-b']);
    await storeA.set('clients', 'client-1', text('{"client_id":"client-1","client_secret":"s3cr3t"}'));
    await b.inner.set('clients', 'client-1', (await a.inner.get('clients', 'client-1'))!);
    await expect(storeB.get('clients', 'client-1')).rejects.toMatchObject({ code: 'integrity' });
    await expect(storeB.take('clients', 'client-1')).rejects.toMatchObject({ code: 'integrity' });
    expect(Buffer.from((await storeA.get('clients', 'client-1'))!).toString()).toContain('client-1');
  });

  it('a namespaced store refuses records from a store without one, and the reverse', async () => {
    const { a, b, storeA, storeB } = await twoStores([undefined, 'tenant-b']);
    await storeA.set('clients', 'c', text('from the default namespace'));
    await b.inner.set('clients', 'c', (await a.inner.get('clients', 'c'))!);
    await expect(storeB.get('clients', 'c')).rejects.toMatchObject({ code: 'integrity' });
    await storeB.set('clients', 'd', text('from tenant-b'));
    await a.inner.set('clients', 'd', (await b.inner.get('clients', 'd'))!);
    await expect(storeA.get('clients', 'd')).rejects.toMatchObject({ code: 'integrity' });
  });

  it('with equal namespaces a copied record decrypts (the documented mode that lets migrate copy byte for byte)', async () => {
    const { a, b, storeA, storeB } = await twoStores([undefined, undefined]);
    await storeA.set('clients', 'c', text('portable'));
    await b.inner.set('clients', 'c', (await a.inner.get('clients', 'c'))!);
    expect(Buffer.from((await storeB.get('clients', 'c'))!).toString()).toBe('portable');
  });
});
