// The runtime's deadline: a driver that never answers makes every operation reject `unavailable` at timeoutMs (not
// later, not sooner), the driver's signal is aborted then, and only mutations report an unknown outcome.
import { describe, expect, it } from '@jest/globals';
import { defineStore, isOutcomeUnknown, type OperationContext, StoreUnavailableError } from '@oauth-store/core';
import { never, scriptedDriver } from './support/scripted-driver';

const TIMEOUT_MS = 150;
/** How early a timer may fire as measured from outside (see below), and how late on a loaded machine. */
const EARLY_MS = 15;
const LATE_MS = 1_000;
const value = new Uint8Array([1, 2, 3]);

/** Runs `operation` and returns its rejection and how long it took to reject. */
async function timed(operation: () => Promise<unknown>): Promise<{ error: unknown; elapsed: number }> {
  const started = performance.now();
  try {
    await operation();
  } catch (error) {
    return { error, elapsed: performance.now() - started };
  }
  throw new Error('the operation resolved; it should have rejected at the deadline');
}

function hangingStore(signals: AbortSignal[] = []) {
  const hang = (context: OperationContext) => {
    signals.push(context.signal);
    return never<never>();
  };
  return defineStore(
    scriptedDriver({
      timeoutMs: TIMEOUT_MS,
      read: async (_c, _k, context) => hang(context),
      write: async (_c, _k, _r, _cond, context) => hang(context),
      remove: async (_c, _k, _cond, context) => hang(context),
      take: async (_c, _k, context) => hang(context),
      list: async (_c, _p, context) => hang(context),
    }),
  );
}

describe('runtime deadlines', () => {
  const operations: Array<{
    name: string;
    mutation: boolean;
    call: (store: ReturnType<typeof hangingStore>) => Promise<unknown>;
  }> = [
    { name: 'get', mutation: false, call: (store) => store.get('c', 'k') },
    { name: 'getEntry', mutation: false, call: (store) => store.getEntry('c', 'k') },
    { name: 'list', mutation: false, call: (store) => store.list('c') },
    { name: 'delete', mutation: true, call: (store) => store.delete('c', 'k') },
    { name: 'take', mutation: true, call: (store) => store.take('c', 'k') },
  ];

  for (const { name, mutation, call } of operations) {
    it(`${name} against a driver that never answers rejects unavailable at ${TIMEOUT_MS} ms, outcomeUnknown ${mutation}`, async () => {
      const signals: AbortSignal[] = [];
      const store = hangingStore(signals);
      const { error, elapsed } = await timed(() => call(store));
      expect(error).toBeInstanceOf(StoreUnavailableError);
      expect((error as StoreUnavailableError).code).toBe('unavailable');
      expect((error as StoreUnavailableError).outcomeUnknown).toBe(mutation);
      expect(isOutcomeUnknown(error)).toBe(mutation);
      expect((error as Error).message).toMatch(
        new RegExp(`^scripted: ${name === 'getEntry' ? 'get' : name}: no answer within ${TIMEOUT_MS} ms`),
      );
      expect((error as Error).message).toMatch(mutation ? /may have been applied/ : /can be retried/);
      // A timer can fire a few ms before a performance.now() interval says it should (libuv measures from its cached
      // loop time); the upper bound leaves room for a loaded machine.
      expect(elapsed).toBeGreaterThanOrEqual(TIMEOUT_MS - EARLY_MS);
      expect(elapsed).toBeLessThan(TIMEOUT_MS + LATE_MS);
      expect(signals).toHaveLength(1);
      expect(signals[0]?.aborted).toBe(true);
    });
  }

  // A set whose outcome is unknown reads the key back to recognise its own write (see runtime-own-write.test.ts): that
  // read has a deadline of its own, so a set is bounded by twice timeoutMs.
  it.each([
    ['a plain set', {}],
    ['a conditional create', { onlyIfAbsent: true }],
  ])(
    '%s that hits the deadline checks for its own write, and rejects outcomeUnknown when that check also hangs',
    async (_name, options) => {
      const signals: AbortSignal[] = [];
      const store = hangingStore(signals);
      const { error, elapsed } = await timed(() => store.set('c', 'k', value, options));
      expect(error).toBeInstanceOf(StoreUnavailableError);
      expect((error as StoreUnavailableError).outcomeUnknown).toBe(true);
      expect((error as Error).message).toMatch(/may have been applied .* checking for it failed/);
      // Two bounded steps: the write, then the read that looks for it.
      expect(signals).toHaveLength(2);
      expect(elapsed).toBeGreaterThanOrEqual(2 * TIMEOUT_MS - 1);
      expect(elapsed).toBeLessThan(3 * TIMEOUT_MS);
    },
  );

  it('a driver that answers in time is not cut off, and its signal is never aborted', async () => {
    let signal: AbortSignal | undefined;
    const store = defineStore(
      scriptedDriver({
        timeoutMs: TIMEOUT_MS,
        read: async (_c, _k, context) => {
          signal = context.signal;
          return undefined;
        },
      }),
    );
    await expect(store.get('c', 'k')).resolves.toBeUndefined();
    expect(signal?.aborted).toBe(false);
  });

  it('a mutation failing unavailable is outcome-unknown unless the driver proves it never left', async () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    const reset = Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });
    const store = (error: Error) =>
      defineStore(
        scriptedDriver({
          take: async () => {
            throw error;
          },
          read: async () => {
            throw error;
          },
          notApplied: (e) => (e as { code?: string }).code === 'ECONNREFUSED',
        }),
      );
    await expect(store(refused).take('c', 'k')).rejects.toMatchObject({ code: 'unavailable', outcomeUnknown: false });
    await expect(store(reset).take('c', 'k')).rejects.toMatchObject({ code: 'unavailable', outcomeUnknown: true });
    // Reads never have an unknown outcome.
    await expect(store(reset).get('c', 'k')).rejects.toMatchObject({ code: 'unavailable', outcomeUnknown: false });
  });

  it('rejects a driver without a positive integer timeoutMs when the store is built', () => {
    for (const timeoutMs of [0, -1, 1.5, Number.NaN, undefined]) {
      expect(() => defineStore(scriptedDriver({ timeoutMs: timeoutMs as number }))).toThrow(
        expect.objectContaining({ code: 'configuration' }),
      );
    }
  });
});
