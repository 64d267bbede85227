import { assert, assertAbsent, assertBytes, assertRejects } from '../assertions';
import { randomValue, utf8 } from '../bytes';
import { defineSuite } from '../context';
import { listAll } from '../list-all';
import { resolveOptions, type StoreContractOptions } from '../options';
import { resolveHarness } from '../runner';
import { now, waitUntil } from '../timing';

/**
 * Time to live: entries are live until their deadline and invisible to every method after it (whatever the
 * backend's own expiry lag), a later set replaces the expiry, and invalid TTLs are typed errors.
 *
 * Timing is judged conservatively: an entry must be live only if a read FINISHED before `set started + ttl`, and
 * must be gone for reads STARTED after `set finished + ttl + expiryGraceMs`. Slow round trips therefore cannot
 * produce false failures; they can only make the "live before the deadline" check inconclusive.
 */
export function runTtlTests(options: StoreContractOptions): void {
  const resolved = resolveOptions(options);
  const harness = resolveHarness(resolved.runner, resolved.testTimeoutMs);
  defineSuite(resolved, harness, 'ttl', 'time to live', (ctx) => {
    const { ttlMs, expiryGraceMs } = resolved;
    const pastDeadline = (setFinished: number) => waitUntil(setFinished + ttlMs + expiryGraceMs);

    ctx.test('an entry with a TTL is live before its deadline, including very long TTLs', () =>
      ctx.withStore(async (store) => {
        const collection = ctx.collection();
        const value = randomValue(20);
        const started = now();
        await store.set(collection, 'short', value, { ttlMs });
        const read = await store.get(collection, 'short');
        if (now() < started + ttlMs) assertBytes(read, value, `get within ${ttlMs} ms of a set with ttlMs ${ttlMs}`);
        // 2^31 ms overflows setTimeout (it would fire at once) and 32-bit second counters; ten years is plausible.
        for (const long of [3_600_000, 2 ** 31 + 1, 10 * 365 * 24 * 3_600_000]) {
          await store.set(collection, `long-${long}`, value, { ttlMs: long });
        }
        for (const long of [3_600_000, 2 ** 31 + 1, 10 * 365 * 24 * 3_600_000]) {
          assertBytes(await store.get(collection, `long-${long}`), value, `get of an entry with ttlMs ${long}`);
        }
      }),
    );

    ctx.test('after the deadline no method returns the entry: get, take, delete, list, onlyIfAbsent', () =>
      ctx.withStore(async (store) => {
        const collection = ctx.collection();
        const value = utf8('expiring');
        for (const key of ['get', 'take', 'delete', 'list', 'create', 'one-ms']) {
          await store.set(collection, key, value, { ttlMs: key === 'one-ms' ? 1 : ttlMs });
        }
        const live = utf8('live');
        await store.set(collection, 'control', live);
        await pastDeadline(now());
        assertAbsent(await store.get(collection, 'get'), 'get of an expired entry');
        assertAbsent(await store.get(collection, 'one-ms'), 'get of an entry set with ttlMs 1');
        assertAbsent(await store.take(collection, 'take'), 'take of an expired entry');
        assert.equal(await store.delete(collection, 'delete'), false, 'delete of an expired entry must resolve false');
        const listed = await listAll(store, collection, { limit: 2, maxPages: 60 }, 'list after expiry');
        assert.deepEqual(listed, ['control'], 'list after expiry must show only the live key');
        const fresh = utf8('fresh');
        assert.equal(
          await store.set(collection, 'create', fresh, { onlyIfAbsent: true }),
          true,
          'onlyIfAbsent over an expired entry must resolve true',
        );
        assertBytes(await store.get(collection, 'create'), fresh, 'get after onlyIfAbsent over an expired entry');
        assertBytes(await store.get(collection, 'control'), live, 'the entry without a TTL');
      }),
    );

    ctx.test('a set with a TTL gives an entry without one an expiry', () =>
      ctx.withStore(async (store) => {
        const collection = ctx.collection();
        await store.set(collection, 'k', utf8('forever'));
        await store.set(collection, 'k', utf8('soon gone'), { ttlMs });
        await pastDeadline(now());
        assertAbsent(await store.get(collection, 'k'), 'get after the deadline of the replacing TTL');
      }),
    );

    ctx.test('a set without a TTL removes an earlier expiry; a later TTL replaces an earlier one', () =>
      ctx.withStore(async (store) => {
        const collection = ctx.collection();
        const kept = utf8('kept');
        await store.set(collection, 'cleared', utf8('old'), { ttlMs });
        await store.set(collection, 'cleared', kept);
        await store.set(collection, 'extended', utf8('old'), { ttlMs });
        await store.set(collection, 'extended', kept, { ttlMs: 3_600_000 });
        await store.set(collection, 'shortened', utf8('old'), { ttlMs: 3_600_000 });
        await store.set(collection, 'shortened', kept, { ttlMs });
        await pastDeadline(now());
        assertBytes(
          await store.get(collection, 'cleared'),
          kept,
          'an entry re-set without a TTL, after the old deadline',
        );
        assertBytes(
          await store.get(collection, 'extended'),
          kept,
          'an entry re-set with a longer TTL, after the old deadline',
        );
        assertAbsent(
          await store.get(collection, 'shortened'),
          'an entry re-set with a shorter TTL, after the new deadline',
        );
      }),
    );

    ctx.test('invalid TTLs (0, negative, fractional, NaN, Infinity, non-numbers) are rejected with invalid_value', () =>
      ctx.withStore(async (store) => {
        const collection = ctx.collection();
        const invalid: unknown[] = [
          0,
          -1,
          -1000,
          1.5,
          0.5,
          Number.NaN,
          Number.POSITIVE_INFINITY,
          '1000',
          null,
          2 ** 53,
        ];
        for (const bad of invalid) {
          await assertRejects(
            () => store.set(collection, 'k', utf8('v'), { ttlMs: bad as number }),
            'invalid_value',
            `set with ttlMs ${typeof bad === 'string' ? JSON.stringify(bad) : String(bad)}`,
          );
        }
        await assertRejects(
          () => store.set(collection, 'k', utf8('v'), 'soon' as never),
          'invalid_value',
          'set with a string instead of an options object',
        );
        assertAbsent(await store.get(collection, 'k'), 'get after every set was rejected');
      }),
    );
  });
}
