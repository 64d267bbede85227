import { setImmediate as yieldToOthers } from 'node:timers/promises';
import type { ByteStore } from '@oauth-store/core';
import { assert, assertAbsent, assertBytes, describeError } from '../assertions';
import { randomValue, utf8 } from '../bytes';
import type { SuiteContext } from '../context';
import { defineSuite } from '../context';
import { type LossyProxy, startLossyProxy } from '../faults/lossy-proxy';
import { type LostResponseOptions, resolveOptions, type StoreContractOptions } from '../options';
import { resolveHarness } from '../runner';

/** How long the suite waits for a command to show up in the backend (seen through the direct store). */
const LANDING_TIMEOUT_MS = 10_000;

/** A settled promise: what the operation through the proxy finally did. */
type Settled<T> = { ok: true; value: T } | { ok: false; error: unknown };

function settle<T>(promise: Promise<T>): Promise<Settled<T>> {
  return promise.then(
    (value) => ({ ok: true, value }) as const,
    (error: unknown) => ({ ok: false, error }) as const,
  );
}

function outcomeUnknownOf(error: unknown): boolean | undefined {
  const flag = (error as { outcomeUnknown?: unknown })?.outcomeUnknown;
  return typeof flag === 'boolean' ? flag : undefined;
}

/** Polls `check` (each poll one round trip through the direct store) until it holds; fails after a bound. */
async function until(check: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + LANDING_TIMEOUT_MS;
  while (!(await check())) {
    await yieldToOthers();
    if (Date.now() > deadline) assert.fail(`${what} did not happen within ${LANDING_TIMEOUT_MS} ms`);
  }
}

/** A test's fixture: a proxy to the backend, a store through it, and a direct store on the same data. */
interface Lossy {
  proxy: LossyProxy;
  proxied: ByteStore;
  direct: ByteStore;
}

async function withLossy(
  ctx: SuiteContext,
  lost: LostResponseOptions,
  body: (lossy: Lossy) => Promise<void>,
): Promise<void> {
  const proxy = await startLossyProxy({ host: lost.backend.host, port: lost.backend.port });
  let proxied: ByteStore | undefined;
  try {
    proxied = await lost.create({ host: '127.0.0.1', port: proxy.port });
    const through = proxied;
    await ctx.withStore((direct) => body({ proxy, proxied: through, direct }));
  } finally {
    proxy.setMode('pass');
    await proxied?.close().catch(() => undefined);
    await proxy.close();
  }
}

/**
 * Round trips through the proxied store after a reconnect: anything the client queued for resending goes out on the
 * new connection before (or with) these commands, so once two reads were answered a resend has reached the backend.
 * A read may fail once while the client notices the reset; reads are safe to repeat.
 */
async function flushThrough(store: ByteStore, collection: string): Promise<void> {
  let answered = 0;
  for (let attempt = 0; answered < 2; attempt += 1) {
    try {
      await store.get(collection, 'flush');
      answered += 1;
    } catch (error) {
      if (attempt >= 10) assert.fail(`the store did not recover after the reconnect: ${describeError(error)}`);
    }
  }
}

/**
 * Lost responses and reconnects (contract v2): a store talks to its backend through a lossy TCP proxy that drops
 * responses, blackholes commands and resets connections. Checked with a second, direct store:
 *
 * - a conditional create whose response is lost is applied at most once: after another client took the entry, the
 *   reconnecting client does not write it again (no retry, no resend), and its own writer learns it landed (true);
 * - a take whose response is lost rejects with `outcomeUnknown: true` and is not applied again after the reconnect;
 * - an operation that rejected (deadline while its command was blackholed) is never applied later: a rejected set
 *   does not overwrite a later acknowledged one, a rejected take does not consume the entry.
 *
 * Registered only when the store opts in with `lostResponses` (and shares data across instances).
 */
export function runLostResponseTests(options: StoreContractOptions): void {
  const resolved = resolveOptions(options);
  const harness = resolveHarness(resolved.runner, resolved.testTimeoutMs);
  const lost = resolved.lostResponses;
  // Checked before the describe block: a runner may refuse an empty one.
  if (!lost || !resolved.sharedInstances) {
    resolved.log(
      `contract-tests: ${resolved.name}: lost-response suite NOT registered (no lostResponses option, or sharedInstances: false); adapters that talk to a backend over TCP should pass one.`,
    );
    return;
  }
  defineSuite(resolved, harness, 'lost', 'lost responses and reconnects', (ctx) => {
    ctx.test('a conditional create whose response is lost, then taken elsewhere, is not written again', () =>
      withLossy(ctx, lost, async ({ proxy, proxied, direct }) => {
        const collection = ctx.collection();
        for (let round = 1; round <= 3; round += 1) {
          const key = `code-${round}`;
          const value = randomValue(16);
          await flushThrough(proxied, collection); // connected before the fault
          proxy.setMode('drop-responses');
          const create = settle(proxied.set(collection, key, value, { onlyIfAbsent: true }));
          await until(async () => (await direct.get(collection, key)) !== undefined, `round ${round}: the create`);
          assertBytes(await direct.take(collection, key), value, `round ${round}: the other client's take`);
          proxy.resetConnections();
          proxy.setMode('pass');
          const outcome = await create;
          if (outcome.ok) {
            assert.equal(outcome.value, true, `round ${round}: the lost create resolved false though it was applied`);
          } else {
            assert.equal(
              outcomeUnknownOf(outcome.error),
              true,
              `round ${round}: the lost create must resolve true or reject with outcomeUnknown: true, got ${describeError(outcome.error)}`,
            );
          }
          await flushThrough(proxied, collection);
          assertAbsent(
            await direct.take(collection, key),
            `round ${round}: a second take after the reconnect (the create was retried or resent: the code was redeemable twice)`,
          );
        }
      }),
    );

    ctx.test('a conditional create whose response is lost resolves true for its own writer', () =>
      withLossy(ctx, lost, async ({ proxy, proxied, direct }) => {
        const collection = ctx.collection();
        for (let round = 1; round <= 3; round += 1) {
          const key = `client-${round}`;
          const value = randomValue(16);
          await flushThrough(proxied, collection);
          proxy.setMode('drop-responses');
          const create = settle(proxied.set(collection, key, value, { onlyIfAbsent: true }));
          await until(async () => (await direct.get(collection, key)) !== undefined, `round ${round}: the create`);
          proxy.resetConnections();
          proxy.setMode('pass');
          const outcome = await create;
          assert.ok(
            outcome.ok,
            `round ${round}: the lost create of an entry nobody else touched must be recognised as its own (resolve true), but it rejected: ${outcome.ok ? '' : describeError(outcome.error)}`,
          );
          assert.equal(outcome.value, true, `round ${round}: the lost create resolved false for its own write`);
          assertBytes(await direct.get(collection, key), value, `round ${round}: the entry after the lost create`);
        }
      }),
    );

    ctx.test('a take whose response is lost rejects with outcomeUnknown and is not applied again', () =>
      withLossy(ctx, lost, async ({ proxy, proxied, direct }) => {
        const collection = ctx.collection();
        for (let round = 1; round <= 3; round += 1) {
          const key = `code-${round}`;
          await direct.set(collection, key, randomValue(16));
          await flushThrough(proxied, collection);
          proxy.setMode('drop-responses');
          const take = settle(proxied.take(collection, key));
          await until(async () => (await direct.get(collection, key)) === undefined, `round ${round}: the take`);
          proxy.resetConnections();
          proxy.setMode('pass');
          const outcome = await take;
          assert.ok(
            !outcome.ok,
            `round ${round}: the take's answer was lost, yet it resolved ${outcome.ok && outcome.value !== undefined ? 'a value' : 'undefined (as if the code never existed)'}`,
          );
          assert.equal(
            outcomeUnknownOf(outcome.error),
            true,
            `round ${round}: a take whose answer was lost must reject with outcomeUnknown: true, got ${describeError(outcome.error)}`,
          );
          // A new entry under the same key: a resent take would consume it.
          const next = randomValue(16);
          await direct.set(collection, key, next);
          await flushThrough(proxied, collection);
          assertBytes(
            await direct.get(collection, key),
            next,
            `round ${round}: the entry written after the lost take (the take was resent after the reconnect)`,
          );
        }
      }),
    );

    ctx.test('a set that rejected while its command was blackholed is never applied later', () =>
      withLossy(ctx, lost, async ({ proxy, proxied, direct }) => {
        const collection = ctx.collection();
        const fresh = utf8('acknowledged later');
        await flushThrough(proxied, collection);
        proxy.setMode('blackhole');
        const stale = await settle(proxied.set(collection, 'k', utf8('rejected')));
        assert.ok(!stale.ok, 'a set whose command and answer were blackholed resolved');
        proxy.resetConnections();
        proxy.setMode('pass');
        assert.equal(await direct.set(collection, 'k', fresh), true, 'the later set');
        await flushThrough(proxied, collection);
        assertBytes(
          await direct.get(collection, 'k'),
          fresh,
          `the entry after the reconnect: the set that rejected (outcomeUnknown ${String(outcomeUnknownOf(stale.error))}) was applied after its rejection, over a later acknowledged set`,
        );
      }),
    );

    ctx.test('a take that rejected while its command was blackholed does not consume the entry later', () =>
      withLossy(ctx, lost, async ({ proxy, proxied, direct }) => {
        const collection = ctx.collection();
        const value = randomValue(16);
        await direct.set(collection, 'code', value);
        await flushThrough(proxied, collection);
        proxy.setMode('blackhole');
        const take = await settle(proxied.take(collection, 'code'));
        assert.ok(!take.ok, 'a take whose command and answer were blackholed resolved');
        proxy.resetConnections();
        proxy.setMode('pass');
        await flushThrough(proxied, collection);
        assertBytes(
          await direct.get(collection, 'code'),
          value,
          `the entry after the reconnect: the take that rejected (outcomeUnknown ${String(outcomeUnknownOf(take.error))}) consumed it after its rejection`,
        );
      }),
    );
  });
}
