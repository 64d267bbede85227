import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { isOAuthStoreError } from '@oauth-store/core';
import { PostgresStore, type SqlClient } from '../src/index';
import { uniqueName } from './helpers';

/** How the shared adapter cases reach one driver. */
export interface Driver {
  /** Shown in test titles. */
  name: string;
  /** A client on the shared connection(s); the store does not own it. */
  client: () => SqlClient;
  /** Raw SQL for white-box checks of what the store wrote. */
  raw: (text: string, params: unknown[]) => Promise<Record<string, unknown>[]>;
  /** The (already unique) table the cases use. */
  table: string;
}

const bytes = (...values: number[]) => new Uint8Array(values);
const utf8Order = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b));

/**
 * Targeted adapter tests, registered once per driver (pg Pool in adapter.test.ts, PGlite in pglite.test.ts, which
 * shares its one slow-to-start PGlite with the contract suite).
 */
export function adapterCases(driver: Driver): void {
  describe(`PostgresStore on ${driver.name}`, () => {
    let clock = 1_700_000_000_000;
    let store: PostgresStore;
    const { table } = driver;
    const open = () => new PostgresStore({ client: driver.client(), table, now: () => clock });

    beforeAll(async () => {
      store = open();
      await store.migrate();
    });
    afterAll(async () => {
      await store.close();
    });

    it('round-trips bytes under keys and collections holding NUL and control characters', async () => {
      const collection = `c\u0000${uniqueName('x')}\u0007`;
      const key = 'k\u0000\u0001\n\u007f😀';
      const value = bytes(0, 255, 0, 1);
      expect(await store.set(collection, key, value)).toBe(true);
      const read = await store.get(collection, key);
      expect(read).toEqual(value);
      // Bytes the caller owns, not a view into a shared slab (the runtime copies the value out of the record).
      expect(read).toBeInstanceOf(Uint8Array);
      expect(read?.byteOffset).toBe(0);
      expect(read?.buffer.byteLength).toBe(4);
      // NUL-free neighbours stay distinct from the NUL-holding key.
      expect(await store.get(collection, 'k')).toBeUndefined();
      expect(await store.get(collection.replaceAll('\u0000', ''), key)).toBeUndefined();
    });

    it('stores collection and key as their UTF-8 bytes and expires_at as epoch milliseconds', async () => {
      const collection = uniqueName('raw');
      await store.set(collection, 'é', bytes(1), { ttlMs: 5000 });
      const rows = await driver.raw(`SELECT key, expires_at::text AS expires_at FROM ${table} WHERE collection = $1`, [
        Buffer.from(collection),
      ]);
      expect(rows).toHaveLength(1);
      expect(Buffer.from(rows[0]?.key as Uint8Array)).toEqual(Buffer.from('é', 'utf8'));
      expect(rows[0]?.expires_at).toBe(String(clock + 5000));
    });

    it('lists every live key exactly once, in UTF-8 byte order, across pages', async () => {
      const collection = uniqueName('list');
      const keys = ['b', 'a', 'é', 'z', '\u0001', 'a\u0000', 'a\u0000b', '😀', '\uffff', 'A', '~', 'ab'];
      for (const [i, key] of keys.entries()) await store.set(collection, key, bytes(i));
      await store.set(collection, 'expired', bytes(0), { ttlMs: 1 });
      clock += 1;
      const seen: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await store.list(collection, { limit: 5, cursor });
        expect(page.keys.length).toBeLessThanOrEqual(5);
        seen.push(...page.keys);
        cursor = page.cursor;
      } while (cursor);
      expect(seen).toEqual([...keys].sort(utf8Order));
    });

    it('keeps a cursor valid while keys before and after it change (keyset pagination)', async () => {
      const collection = uniqueName('keyset');
      for (const key of ['k1', 'k2', 'k3', 'k4', 'k5', 'k6']) await store.set(collection, key, bytes(1));
      const first = await store.list(collection, { limit: 2 });
      expect(first.keys).toEqual(['k1', 'k2']);
      await store.delete(collection, 'k1');
      await store.delete(collection, 'k2');
      await store.set(collection, 'k0', bytes(1));
      await store.set(collection, 'k35', bytes(1));
      const rest = await store.list(collection, { cursor: first.cursor, limit: 10 });
      expect(rest).toEqual({ keys: ['k3', 'k35', 'k4', 'k5', 'k6'] });
    });

    it('refuses a cursor it did not produce', async () => {
      await expect(store.list('c', { cursor: 'not a cursor!' })).rejects.toMatchObject({ code: 'invalid_value' });
    });

    it('judges expiry by the application clock: an entry expiring exactly now is gone for every method', async () => {
      const collection = uniqueName('expiry');
      await store.set(collection, 'k', bytes(7), { ttlMs: 100 });
      clock += 99;
      expect(await store.get(collection, 'k')).toEqual(bytes(7));
      clock += 1;
      expect(await store.get(collection, 'k')).toBeUndefined();
      expect(await store.take(collection, 'k')).toBeUndefined();
      expect((await store.list(collection)).keys).toEqual([]);
      await store.set(collection, 'd', bytes(1), { ttlMs: 1 });
      clock += 1;
      expect(await store.delete(collection, 'd')).toBe(false);
      // delete still removed the expired row.
      const rows = await driver.raw(`SELECT 1 FROM ${table} WHERE collection = $1 AND key = $2`, [
        Buffer.from(collection),
        Buffer.from('d'),
      ]);
      expect(rows).toHaveLength(0);
    });

    it('onlyIfAbsent refuses a live entry and replaces an expired one', async () => {
      const collection = uniqueName('nx');
      expect(await store.set(collection, 'k', bytes(1), { onlyIfAbsent: true, ttlMs: 50 })).toBe(true);
      expect(await store.set(collection, 'k', bytes(2), { onlyIfAbsent: true })).toBe(false);
      expect(await store.get(collection, 'k')).toEqual(bytes(1));
      clock += 50;
      expect(await store.set(collection, 'k', bytes(3), { onlyIfAbsent: true })).toBe(true);
      expect(await store.get(collection, 'k')).toEqual(bytes(3));
      // The replacement has no TTL, so it never expires.
      clock += 1_000_000;
      expect(await store.get(collection, 'k')).toEqual(bytes(3));
    });

    it('gives a value to exactly one of many concurrent takes, and one winner to concurrent onlyIfAbsent writes', async () => {
      const collection = uniqueName('race');
      for (let round = 0; round < 10; round++) {
        const key = `code-${round}`;
        const writes = await Promise.all(
          Array.from({ length: 20 }, (_, i) => store.set(collection, key, bytes(i), { onlyIfAbsent: true })),
        );
        expect(writes.filter(Boolean)).toHaveLength(1);
        const takes = await Promise.all(Array.from({ length: 20 }, () => store.take(collection, key)));
        expect(takes.filter((value) => value !== undefined)).toHaveLength(1);
      }
    });

    it('compare-and-set: writes and deletes only with the live version, judged in the statement', async () => {
      const collection = uniqueName('cas');
      await store.set(collection, 'k', bytes(1), { ttlMs: 100 });
      const first = await store.getEntry(collection, 'k');
      expect(first).toMatchObject({ value: bytes(1), expiresAt: clock + 100 });
      // The version is bytes 9..24 of the stored record, which is what the SQL compares.
      const rows = await driver.raw(
        `SELECT substring(value from 10 for 16) AS version FROM ${table} WHERE collection = $1`,
        [Buffer.from(collection)],
      );
      expect(Buffer.from(rows[0]?.version as Uint8Array).toString('base64url')).toBe(first?.version);
      expect(await store.set(collection, 'k', bytes(2), { ifVersion: first?.version as string })).toBe(true);
      // The old version no longer matches: neither a write nor a delete with it applies.
      expect(await store.set(collection, 'k', bytes(3), { ifVersion: first?.version as string })).toBe(false);
      expect(await store.delete(collection, 'k', { ifVersion: first?.version as string })).toBe(false);
      const second = await store.getEntry(collection, 'k');
      expect(second?.value).toEqual(bytes(2));
      expect(second?.expiresAt).toBeUndefined();
      expect(await store.delete(collection, 'k', { ifVersion: second?.version as string })).toBe(true);
      expect(await store.get(collection, 'k')).toBeUndefined();
      // An expired entry has no live version: compare-and-set refuses it even with its own version.
      await store.set(collection, 'e', bytes(4), { ttlMs: 10 });
      const expiring = await store.getEntry(collection, 'e');
      clock += 10;
      expect(await store.set(collection, 'e', bytes(5), { ifVersion: expiring?.version as string })).toBe(false);
      expect(await store.delete(collection, 'e', { ifVersion: expiring?.version as string })).toBe(false);
    });

    it('reports a missing table as a configuration error that says to migrate', async () => {
      const unmigrated = new PostgresStore({ client: driver.client(), table: uniqueName('missing') });
      const error = await unmigrated.get('c', 'secret-code').catch((e: unknown) => e);
      expect(isOAuthStoreError(error, 'configuration')).toBe(true);
      expect((error as Error).message).toMatch(/migrate\(\)/);
      expect((error as Error).message).not.toContain('secret-code');
      await unmigrated.close();
    });

    it('rejects use after close with a closed error and leaves a client it does not own open', async () => {
      const other = open();
      await other.close();
      await expect(other.get('c', 'k')).rejects.toMatchObject({ code: 'closed' });
      await expect(other.migrate()).rejects.toMatchObject({ code: 'closed' });
      await expect(other.sweepExpired()).rejects.toMatchObject({ code: 'closed' });
      expect(await store.set('c', 'still-open', bytes(1))).toBe(true);
    });
  });
}
