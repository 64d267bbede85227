import { describe, expect, it } from '@jest/globals';
import { isOAuthStoreError } from '@oauth-store/core';
import { Deadlines } from '../src/deadline';

const TIMEOUT_MS = 200;

/** How long `promise` took to settle, and how. */
async function outcome(promise: Promise<unknown>): Promise<{ ms: number; error?: unknown; value?: unknown }> {
  const start = performance.now();
  try {
    const value = await promise;
    return { ms: performance.now() - start, value };
  } catch (error) {
    return { ms: performance.now() - start, error };
  }
}

/** A body that never settles on its own, and reports when its signal aborts (as a client dropping a command would). */
function abortable(log: { abortedAfterMs?: number }) {
  return (signal: AbortSignal) => {
    const start = performance.now();
    return new Promise<never>((_, reject) => {
      signal.addEventListener('abort', () => {
        log.abortedAfterMs = performance.now() - start;
        const error = new Error('The command was aborted');
        error.name = 'AbortError';
        reject(error);
      });
    });
  };
}

describe('Deadlines', () => {
  it('resolves and rejects with the body when it settles in time', async () => {
    const deadlines = new Deadlines(TIMEOUT_MS);
    expect(await deadlines.run('get', async () => 'v')).toBe('v');
    const failure = new Error('server said no');
    await expect(deadlines.run('get', async () => Promise.reject(failure))).rejects.toBe(failure);
  });

  it('aborts the signal no later than each operation deadline, and the operation rejects `unavailable` at its own deadline', async () => {
    const deadlines = new Deadlines(TIMEOUT_MS);
    const first = {};
    const firstRun = outcome(deadlines.run('get', abortable(first)));
    // The second operation starts later in the same window: its signal aborts before its deadline, not after.
    await new Promise((resolve) => setTimeout(resolve, 10));
    const second: { abortedAfterMs?: number } = {};
    const secondRun = outcome(deadlines.run('take', abortable(second)));
    const [a, b] = await Promise.all([firstRun, secondRun]);
    for (const [result, log] of [
      [a, first],
      [b, second],
    ] as const) {
      expect(isOAuthStoreError(result.error) && result.error.code).toBe('unavailable');
      expect(String((result.error as Error).message)).toMatch(/did not complete within 200 ms/);
      // Rejected by its own deadline, not early by the shared signal.
      expect(result.ms).toBeGreaterThanOrEqual(TIMEOUT_MS - 5);
      // Aborted by the time the deadline fired (the shared timer is due first), even on a lagging event loop.
      expect((log as { abortedAfterMs?: number }).abortedAfterMs).toBeLessThanOrEqual(result.ms + 1);
    }
    expect(second.abortedAfterMs).toBeGreaterThanOrEqual(TIMEOUT_MS - 25);
  });

  it('shares one signal among at most 32 operations, so a burst does not pile thousands of listeners on one', async () => {
    const deadlines = new Deadlines(TIMEOUT_MS);
    const signals = await Promise.all(
      Array.from({ length: 100 }, () => deadlines.run('get', async (signal: AbortSignal) => signal)),
    );
    const counts = new Map<AbortSignal, number>();
    for (const signal of signals) counts.set(signal, (counts.get(signal) ?? 0) + 1);
    expect(Math.max(...counts.values())).toBe(32);
    expect(counts.size).toBe(4);
  });

  it('gives operations in different windows different signals, so one window aborting leaves later operations alone', async () => {
    const deadlines = new Deadlines(TIMEOUT_MS);
    let early: AbortSignal | undefined;
    const first = outcome(deadlines.run('get', abortable({})));
    await deadlines.run('get', async (signal) => {
      early = signal;
    });
    // Past the window (a tenth of the timeout): a new signal.
    await new Promise((resolve) => setTimeout(resolve, TIMEOUT_MS / 10 + 10));
    let later: AbortSignal | undefined;
    await deadlines.run('get', async (signal) => {
      later = signal;
    });
    expect(later).not.toBe(early);
    await first;
    expect(early?.aborted).toBe(true);
    expect(later?.aborted).toBe(false);
  });
});
