import { MAX_LIST_LIMIT } from '@oauth-store/core';
import { assert, assertPage, assertRejects, assertSameKeys, describeError, preview } from '../assertions';
import { mapLimit, utf8 } from '../bytes';
import { defineSuite } from '../context';
import { listAll } from '../list-all';
import { resolveOptions, type StoreContractOptions } from '../options';
import { resolveHarness } from '../runner';
import { now, waitUntil } from '../timing';

const pad = (n: number) => String(n).padStart(3, '0');

/**
 * Paging: limits are honoured, cursors round-trip (through JSON, and across instances), every live key appears
 * exactly once, nothing is lost or repeated while other keys are written and deleted during the scan, expired and
 * deleted keys are not listed, and invalid options are typed errors.
 */
export function runListTests(options: StoreContractOptions): void {
  const resolved = resolveOptions(options);
  const harness = resolveHarness(resolved.runner, resolved.testTimeoutMs);
  defineSuite(resolved, harness, 'list', 'list and paging', (ctx) => {
    const { listKeys, ttlMs, expiryGraceMs, storeInstances } = resolved;
    const maxPages = listKeys * 2 + 50;
    const write = (store: Parameters<Parameters<typeof ctx.withStore>[0]>[0], collection: string, keys: string[]) =>
      mapLimit(keys, 16, (key) => store.set(collection, key, utf8(key)));

    ctx.test('an empty or unknown collection lists no keys', () =>
      ctx.withStore(async (store) => {
        const keys = await listAll(store, ctx.collection(), { limit: 10, maxPages }, 'list of an empty collection');
        assert.deepEqual(keys, [], 'an empty collection listed keys');
      }),
    );

    ctx.test(`pages of at most the limit return each of ${listKeys} keys exactly once`, () =>
      ctx.withStore(async (store) => {
        const collection = ctx.collection();
        const keys = Array.from({ length: listKeys }, (_, i) => `key-${pad(i)}`);
        await write(store, collection, keys);
        for (const limit of [1, 7, listKeys - 1, listKeys, MAX_LIST_LIMIT]) {
          const listed = await listAll(store, collection, { limit, maxPages }, `paging with limit ${limit}`);
          assertSameKeys(listed, keys, `paging with limit ${limit}`);
        }
        const first = await store.list(collection);
        assertPage(first, 100, 'list without options (default limit 100)');
        assert.ok(first.keys.length > 0, 'list without options returned no keys from a collection holding some');
      }),
    );

    ctx.test('a cursor survives JSON and works on another store instance', () =>
      ctx.withStores(Math.min(3, storeInstances), async (stores) => {
        const collection = ctx.collection();
        const keys = Array.from({ length: 20 }, (_, i) => `key-${pad(i)}`);
        await write(stores[0]!, collection, keys);
        const listed = await listAll(stores[0]!, collection, { limit: 3, maxPages, stores }, 'paging across instances');
        assertSameKeys(listed, keys, 'paging with each page read through the next instance');
      }),
    );

    ctx.test('deleted and taken keys are not listed', () =>
      ctx.withStore(async (store) => {
        const collection = ctx.collection();
        const keys = Array.from({ length: 12 }, (_, i) => `key-${pad(i)}`);
        await write(store, collection, keys);
        await store.delete(collection, 'key-002');
        await store.take(collection, 'key-007');
        const expected = keys.filter((key) => key !== 'key-002' && key !== 'key-007');
        assertSameKeys(
          await listAll(store, collection, { limit: 4, maxPages }, 'list'),
          expected,
          'list after delete and take',
        );
      }),
    );

    ctx.test('expired keys are not listed', () =>
      ctx.withStore(async (store) => {
        const collection = ctx.collection();
        const live = Array.from({ length: 8 }, (_, i) => `live-${pad(i)}`);
        const expiring = Array.from({ length: 8 }, (_, i) => `gone-${pad(i)}`);
        await mapLimit(expiring, 16, (key) => store.set(collection, key, utf8(key), { ttlMs }));
        await write(store, collection, live);
        await waitUntil(now() + ttlMs + expiryGraceMs);
        const listed = await listAll(store, collection, { limit: 3, maxPages }, 'list after expiry');
        assertSameKeys(listed, live, 'list after some keys expired');
      }),
    );

    ctx.test('writers adding and deleting other keys during the scan: nothing lost, nothing repeated', () =>
      ctx.withStores(2, async (stores) => {
        const [reader, writer = reader] = stores;
        const collection = ctx.collection();
        // Stable keys spread over the key space; churn keys land before, between and after them in any order.
        const stable = Array.from(
          { length: listKeys },
          (_, i) => `${pad(Math.floor((i * 1000) / listKeys))}-stable-${i}`,
        );
        await write(reader!, collection, stable);
        const removedBefore = Array.from({ length: 5 }, (_, i) => `${pad(i * 200 + 100)}-removed-${i}`);
        await write(reader!, collection, removedBefore);
        await Promise.all(removedBefore.map((key) => reader!.delete(collection, key)));
        const churned = new Set<string>();
        const alive: string[] = [];
        let serial = 0;
        const churn = async () => {
          const added = Array.from({ length: 3 }, () => `${pad(Math.floor(Math.random() * 1000))}-churn-${serial++}`);
          for (const key of added) churned.add(key);
          const doomed = alive.splice(0, 2);
          await Promise.all([
            ...added.map((key) => writer!.set(collection, key, utf8(key))),
            ...doomed.map((key) => writer!.delete(collection, key)),
          ]);
          alive.push(...added);
        };
        const listed = await listAll(
          reader!,
          collection,
          { limit: 5, maxPages, alongside: churn },
          'list under writes',
        );
        const counts = new Map<string, number>();
        for (const key of listed) counts.set(key, (counts.get(key) ?? 0) + 1);
        const repeated = [...counts].filter(([, n]) => n > 1).map(([key]) => key);
        assert.equal(repeated.length, 0, `keys listed more than once during concurrent writes: ${preview(repeated)}`);
        const lost = stable.filter((key) => !counts.has(key));
        assert.equal(
          lost.length,
          0,
          `${lost.length} keys present for the whole scan were not listed: ${preview(lost)}`,
        );
        const stableSet = new Set(stable);
        const unknown = listed.filter((key) => !stableSet.has(key) && !churned.has(key));
        assert.equal(unknown.length, 0, `list returned keys that were deleted before the scan: ${preview(unknown)}`);
        assert.ok(serial > 0, 'the concurrent writers never ran');
      }),
    );

    ctx.test('invalid limits and cursors are rejected with invalid_value', () =>
      ctx.withStore(async (store) => {
        const collection = ctx.collection();
        await store.set(collection, 'k', utf8('v'));
        for (const limit of [0, -1, 1.5, Number.NaN, MAX_LIST_LIMIT + 1, '10']) {
          await assertRejects(
            () => store.list(collection, { limit: limit as number }),
            'invalid_value',
            `list with limit ${typeof limit === 'string' ? JSON.stringify(limit) : String(limit)}`,
          );
        }
        await assertRejects(() => store.list(collection, { cursor: '' }), 'invalid_value', 'list with an empty cursor');
        await assertRejects(
          () => store.list(collection, { cursor: 42 as never }),
          'invalid_value',
          'list with a numeric cursor',
        );
        // A forged cursor may be refused or read as a position, but never with a raw backend error.
        try {
          const page = await store.list(collection, { cursor: 'not-a-cursor!%00', limit: 10 });
          assertPage(page, 10, 'list with a forged cursor');
        } catch (error) {
          const code = (error as { code?: unknown })?.code;
          assert.ok(typeof code === 'string', `a forged cursor raised an untyped error: ${describeError(error)}`);
        }
      }),
    );
  });
}
