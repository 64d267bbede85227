import { assert, assertAbsent, assertBytes, assertSameKeys } from '../assertions';
import { utf8 } from '../bytes';
import { defineSuite } from '../context';
import { listAll } from '../list-all';
import { resolveOptions, type StoreContractOptions } from '../options';
import { resolveHarness } from '../runner';

/** Characters adapters are tempted to join collection and key with. */
const SEPARATORS = [':', '/', '|', '.', '#', '_', '-', ' ', '\\', '\u0000', '%2F', '::'];

/**
 * Collections are isolated: the same key in two collections holds two values, and get/set/delete/take/list in one
 * never see or touch another, including collections whose names are prefixes of each other or that would collide
 * if collection and key were joined with a separator.
 */
export function runIsolationTests(options: StoreContractOptions): void {
  const resolved = resolveOptions(options);
  const harness = resolveHarness(resolved.runner, resolved.testTimeoutMs);
  defineSuite(resolved, harness, 'isolation', 'collection isolation', (ctx) => {
    ctx.test('the same key in two collections holds two values', () =>
      ctx.withStore(async (store) => {
        const a = ctx.collection('a');
        const b = ctx.collection('b');
        await store.set(a, 'k', utf8('in a'));
        await store.set(b, 'k', utf8('in b'));
        assertBytes(await store.get(a, 'k'), utf8('in a'), 'get in the first collection');
        assertBytes(await store.get(b, 'k'), utf8('in b'), 'get in the second collection');
      }),
    );

    ctx.test('delete, take and onlyIfAbsent in one collection leave the other alone', () =>
      ctx.withStore(async (store) => {
        const a = ctx.collection('a');
        const b = ctx.collection('b');
        for (const key of ['deleted', 'taken', 'created']) await store.set(a, key, utf8(`a ${key}`));
        for (const key of ['deleted', 'taken']) await store.set(b, key, utf8(`b ${key}`));
        assert.equal(await store.delete(b, 'deleted'), true, 'delete in the second collection');
        assertBytes(await store.take(b, 'taken'), utf8('b taken'), 'take in the second collection');
        assert.equal(
          await store.set(b, 'created', utf8('b created'), { onlyIfAbsent: true }),
          true,
          'create in the second collection while the first holds the key',
        );
        assertBytes(
          await store.get(a, 'deleted'),
          utf8('a deleted'),
          'the first collection after a delete in the second',
        );
        assertBytes(await store.get(a, 'taken'), utf8('a taken'), 'the first collection after a take in the second');
        assertBytes(
          await store.get(a, 'created'),
          utf8('a created'),
          'the first collection after a create in the second',
        );
        assertAbsent(await store.get(b, 'deleted'), 'the second collection after its delete');
      }),
    );

    ctx.test('list shows only its own collection, also next to collections whose names extend its name', () =>
      ctx.withStore(async (store) => {
        const base = ctx.collection('p');
        const related = [base, `${base}x`, `${base}/`, `${base}:`, `${base}/x`, `${base}:x`].map((c) => ctx.track(c));
        for (const [i, collection] of related.entries()) await store.set(collection, `only-${i}`, utf8(String(i)));
        for (const [i, collection] of related.entries()) {
          const listed = await listAll(
            store,
            collection,
            { limit: 10, maxPages: 20 },
            `list of ${JSON.stringify(collection)}`,
          );
          assertSameKeys(listed, [`only-${i}`], `list of collection ${JSON.stringify(collection)}`);
        }
      }),
    );

    ctx.test('collection and key never collide with another pair joined by a separator', () =>
      ctx.withStore(async (store) => {
        const base = ctx.collection('sep');
        const pairs: Array<[string, string]> = [];
        for (const separator of SEPARATORS) {
          pairs.push([base, `k${separator}x`], [`${base}${separator}k`, 'x']);
        }
        for (const [i, [collection, key]] of pairs.entries()) {
          ctx.track(collection);
          await store.set(collection, key, utf8(`pair ${i}`));
        }
        for (const [i, [collection, key]] of pairs.entries()) {
          assertBytes(
            await store.get(collection, key),
            utf8(`pair ${i}`),
            `get of pair ${i} (${JSON.stringify(collection.slice(base.length))} / ${JSON.stringify(key)})`,
          );
        }
        const listed = await listAll(store, base, { limit: 50, maxPages: 50 }, 'list of the base collection');
        assertSameKeys(
          listed,
          SEPARATORS.map((separator) => `k${separator}x`),
          'list of the base collection',
        );
      }),
    );
  });
}
