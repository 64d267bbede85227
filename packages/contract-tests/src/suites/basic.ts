import { assert, assertAbsent, assertBytes } from '../assertions';
import { randomValue, utf8 } from '../bytes';
import { defineSuite } from '../context';
import { resolveOptions, type StoreContractOptions } from '../options';
import { perInstanceHint } from '../per-instance-hint';
import { resolveHarness } from '../runner';

function isStored(raw: unknown): boolean {
  return raw !== undefined && raw !== null;
}

/** Basic reads and writes: missing keys, set/get, overwrite, delete's result, returned bytes. */
export function runBasicTests(options: StoreContractOptions): void {
  const resolved = resolveOptions(options);
  const harness = resolveHarness(resolved.runner, resolved.testTimeoutMs);
  defineSuite(resolved, harness, 'basic', 'basic reads and writes', (ctx) => {
    ctx.test('get of a missing key resolves undefined; delete of it resolves false', () =>
      ctx.withStore(async (store) => {
        const collection = ctx.collection();
        assertAbsent(await store.get(collection, 'missing'), 'get of a key never written');
        assert.equal(
          await store.delete(collection, 'missing'),
          false,
          'delete of a key never written must resolve false',
        );
      }),
    );

    ctx.test('set resolves true and get returns the same bytes', () =>
      ctx.withStore(async (store) => {
        const collection = ctx.collection();
        const value = randomValue(64);
        assert.equal(await store.set(collection, 'k', value), true, 'set must resolve true');
        assertBytes(await store.get(collection, 'k'), value, 'get after set');
        assertBytes(await store.get(collection, 'k'), value, 'a second get (get must not consume the entry)');
      }),
    );

    ctx.test('set overwrites: a shorter value replaces a longer one completely', () =>
      ctx.withStore(async (store) => {
        const collection = ctx.collection();
        await store.set(collection, 'k', randomValue(300));
        const shorter = randomValue(7);
        assert.equal(await store.set(collection, 'k', shorter), true, 'an overwriting set must resolve true');
        assertBytes(await store.get(collection, 'k'), shorter, 'get after overwrite');
        const longer = randomValue(500);
        await store.set(collection, 'k', longer);
        assertBytes(await store.get(collection, 'k'), longer, 'get after a second overwrite');
      }),
    );

    ctx.test('delete resolves true once, then false; the key is gone and can be written again', () =>
      ctx.withStore(async (store) => {
        const collection = ctx.collection();
        await store.set(collection, 'k', utf8('v'));
        assert.equal(await store.delete(collection, 'k'), true, 'delete of a live entry must resolve true');
        assertAbsent(await store.get(collection, 'k'), 'get after delete');
        assert.equal(await store.delete(collection, 'k'), false, 'a second delete must resolve false');
        const again = utf8('again');
        assert.equal(await store.set(collection, 'k', again), true, 'set after delete');
        assertBytes(await store.get(collection, 'k'), again, 'get after delete and set');
      }),
    );

    ctx.test('many keys in one collection hold their own values', () =>
      ctx.withStore(async (store) => {
        const collection = ctx.collection();
        const values = Array.from({ length: 25 }, () => randomValue(16));
        await Promise.all(values.map((value, i) => store.set(collection, `key-${i}`, value)));
        await store.delete(collection, 'key-3');
        for (const [i, value] of values.entries()) {
          const got = await store.get(collection, `key-${i}`);
          if (i === 3) assertAbsent(got, 'get of the one deleted key');
          else assertBytes(got, value, `get of key ${i} of 25`);
        }
      }),
    );

    // Meaningless for in-process stores whose instances share nothing (sharedInstances: false).
    if (resolved.sharedInstances) {
      ctx.test('a write through one store instance is read through another', () =>
        ctx.withStores(2, async ([writer, reader]) => {
          const collection = ctx.collection();
          const value = randomValue(32);
          await writer!.set(collection, 'shared', value);
          const read = await reader!.get(collection, 'shared');
          if (read === undefined) {
            assert.fail(
              `get through the second instance: expected ${value.byteLength} bytes, got undefined${perInstanceHint('instances')}`,
            );
          }
          assertBytes(read, value, 'get through the second instance');
          assert.equal(await reader!.delete(collection, 'shared'), true, 'delete through the second instance');
          assertAbsent(await writer!.get(collection, 'shared'), 'get through the first instance after that delete');
        }),
      );
    }

    const { rawReader } = resolved;
    if (rawReader) {
      ctx.test('raw reader: set reaches the backend; delete and take remove the stored record', () =>
        ctx.withStore(async (store) => {
          const collection = ctx.collection();
          await store.set(collection, 'deleted', utf8('a'));
          await store.set(collection, 'taken', utf8('b'));
          assert.ok(isStored(await rawReader(collection, 'deleted')), 'rawReader found nothing after set');
          await store.delete(collection, 'deleted');
          await store.take(collection, 'taken');
          assert.ok(!isStored(await rawReader(collection, 'deleted')), 'the record is still stored after delete');
          assert.ok(!isStored(await rawReader(collection, 'taken')), 'the record is still stored after take');
        }),
      );
    }
  });
}
