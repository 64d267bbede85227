import { assert, assertBytes, assertRejects } from '../assertions';
import { utf8 } from '../bytes';
import { defineSuite } from '../context';
import { resolveOptions, type StoreContractOptions } from '../options';
import { perInstanceHint } from '../per-instance-hint';
import { resolveHarness } from '../runner';

/** close(): later calls reject with code `closed`; closing twice (or concurrently) is fine; other instances go on. */
export function runCloseTests(options: StoreContractOptions): void {
  const resolved = resolveOptions(options);
  const harness = resolveHarness(resolved.runner, resolved.testTimeoutMs);
  defineSuite(resolved, harness, 'close', 'close', (ctx) => {
    ctx.test("after close() every method rejects with code 'closed'", async () => {
      const store = await resolved.create();
      try {
        const collection = ctx.collection();
        await store.set(collection, 'k', utf8('v'));
        await store.close();
        await assertRejects(() => store.get(collection, 'k'), 'closed', 'get after close');
        await assertRejects(() => store.set(collection, 'k', utf8('v')), 'closed', 'set after close');
        await assertRejects(() => store.delete(collection, 'k'), 'closed', 'delete after close');
        await assertRejects(() => store.take(collection, 'k'), 'closed', 'take after close');
        await assertRejects(() => store.list(collection), 'closed', 'list after close');
      } finally {
        await store.close().catch(() => undefined);
      }
    });

    ctx.test('close twice, and twice at once, resolves', async () => {
      const first = await resolved.create();
      await first.close();
      await first.close();
      const second = await resolved.create();
      await Promise.all([second.close(), second.close()]);
    });

    ctx.test('closing one instance leaves the data and other instances usable', async () => {
      const collection = ctx.collection();
      const closed = await resolved.create();
      try {
        await ctx.withStore(async (other) => {
          await closed.set(collection, 'k', utf8('kept'));
          await closed.close();
          if (resolved.sharedInstances) {
            const kept = await other.get(collection, 'k');
            if (kept === undefined) {
              assert.fail(
                `get through another instance: expected 4 bytes, got undefined${perInstanceHint('instances')}`,
              );
            }
            assertBytes(kept, utf8('kept'), 'get through another instance');
          }
          await other.set(collection, 'after', utf8('v'));
          assertBytes(await other.get(collection, 'after'), utf8('v'), 'another instance after the first was closed');
        });
      } finally {
        await closed.close().catch(() => undefined);
      }
    });
  });
}
