// The runtime's sweep schedule (RuntimeStore.scheduleSweep), shared by the adapters without native expiry (PostgreSQL,
// MySQL, SQLite), which supply only the sweep itself: one sweep at a time, a timer that close() stops (waiting for the
// sweep in progress before the driver closes), and failures reported - typed and scrubbed - never thrown.
import { inspect } from 'node:util';
import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import {
  BackendErrorSummary,
  type OAuthStoreError,
  RuntimeStore,
  type StoreDriver,
  StoreUnavailableError,
} from '@oauth-store/core';
import { scriptedDriver } from './support/scripted-driver';

const INTERVAL_MS = 100;
const SECRET_KEY = 'authcode-SplxlOBeZQQYbYS6WxSbIA';

/** A store whose sweep is whatever the test says: the shape of PostgresStore, MysqlStore and SqliteStore. */
class SweepingStore extends RuntimeStore {
  constructor(
    driver: StoreDriver,
    sweep: () => Promise<unknown>,
    intervalMs: number,
    onError?: (error: OAuthStoreError) => void,
  ) {
    super(driver);
    this.scheduleSweep(sweep, intervalMs, onError);
  }

  /** Exposes the protected method to test its argument checks. */
  scheduleAgain(intervalMs: number): void {
    this.scheduleSweep(async () => undefined, intervalMs);
  }
}

/** A sweep the test finishes by hand, counting calls and how many ran at once. */
function manualSweep() {
  const state = { calls: 0, running: 0, maxRunning: 0, finish: [] as Array<() => void> };
  const sweep = () => {
    state.calls += 1;
    state.running += 1;
    state.maxRunning = Math.max(state.maxRunning, state.running);
    return new Promise<void>((resolve) => {
      state.finish.push(() => {
        state.running -= 1;
        resolve();
      });
    });
  };
  return { state, sweep };
}

/** Runs `body` (fake timers), then lets any stray rejection surface on real timers and expects none. */
async function expectNoUnhandledRejection(body: () => Promise<void>): Promise<void> {
  const rejections: unknown[] = [];
  const onRejection = (reason: unknown) => rejections.push(reason);
  process.on('unhandledRejection', onRejection);
  try {
    await body();
    jest.useRealTimers();
    await new Promise((resolve) => setImmediate(resolve));
    expect(rejections).toEqual([]);
  } finally {
    process.off('unhandledRejection', onRejection);
  }
}

describe('runtime sweep schedule', () => {
  beforeEach(() => {
    jest.useFakeTimers();
  });
  afterEach(() => {
    jest.useRealTimers();
  });

  it('sweeps every interval, never two at once: ticks during a running sweep are skipped, not queued', async () => {
    const { state, sweep } = manualSweep();
    const store = new SweepingStore(scriptedDriver(), sweep, INTERVAL_MS);
    await jest.advanceTimersByTimeAsync(INTERVAL_MS - 1);
    expect(state.calls).toBe(0);
    await jest.advanceTimersByTimeAsync(1);
    expect(state.calls).toBe(1);
    // Ten intervals pass while the first sweep runs: none starts a second one.
    await jest.advanceTimersByTimeAsync(10 * INTERVAL_MS);
    expect(state.calls).toBe(1);
    state.finish.shift()?.();
    await jest.advanceTimersByTimeAsync(INTERVAL_MS);
    expect(state.calls).toBe(2);
    expect(state.maxRunning).toBe(1);
    state.finish.shift()?.();
    await store.close();
  });

  it('close() stops the timer and waits for the sweep in progress before closing the driver', async () => {
    const { state, sweep } = manualSweep();
    const events: string[] = [];
    const driver = scriptedDriver({
      close: async () => {
        events.push('driver closed');
      },
    });
    const store = new SweepingStore(driver, sweep, INTERVAL_MS);
    await jest.advanceTimersByTimeAsync(INTERVAL_MS);
    expect(state.calls).toBe(1);
    let closed = false;
    const closing = store.close().then(() => {
      closed = true;
    });
    await jest.advanceTimersByTimeAsync(0);
    expect(closed).toBe(false);
    expect(events).toEqual([]);
    events.push('sweep finished');
    state.finish.shift()?.();
    await closing;
    expect(events).toEqual(['sweep finished', 'driver closed']);
    // A stopped timer never sweeps again.
    await jest.advanceTimersByTimeAsync(20 * INTERVAL_MS);
    expect(state.calls).toBe(1);
    expect(jest.getTimerCount()).toBe(0);
  });

  it('reports a failing sweep to onError, typed and scrubbed, and tries again next interval', async () => {
    await expectNoUnhandledRejection(async () => {
      const errors: OAuthStoreError[] = [];
      let calls = 0;
      const sweep = async () => {
        calls += 1;
        // What a client library's error can look like: the key in its message and fields.
        throw Object.assign(new Error(`deadlock while deleting "${SECRET_KEY}"`), { code: '40P01', key: SECRET_KEY });
      };
      const store = new SweepingStore(scriptedDriver(), sweep, INTERVAL_MS, (error) => errors.push(error));
      await jest.advanceTimersByTimeAsync(2 * INTERVAL_MS);
      expect(calls).toBe(2);
      expect(errors).toHaveLength(2);
      const [error] = errors;
      expect(error).toBeInstanceOf(StoreUnavailableError);
      expect(error).toMatchObject({ code: 'unavailable', source: 'scripted' });
      expect(error?.message).toBe('scripted: sweep failed (Error 40P01). It is retried next interval.');
      expect((error as { cause?: unknown }).cause).toBeInstanceOf(BackendErrorSummary);
      expect(inspect(error, { depth: 10, showHidden: true })).not.toContain(SECRET_KEY);
      await store.close();
    });
  });

  it('passes an already typed sweep error through, and survives a sweep that throws and an onError that throws', async () => {
    await expectNoUnhandledRejection(async () => {
      const typed = new StoreUnavailableError('sweepExpired: no answer within 5 ms.', { source: 'scripted' });
      let calls = 0;
      const sweep = () => {
        calls += 1;
        if (calls === 1) return Promise.reject(typed);
        throw new TypeError('thrown, not rejected');
      };
      const seen: OAuthStoreError[] = [];
      const store = new SweepingStore(scriptedDriver(), sweep, INTERVAL_MS, (error) => {
        seen.push(error);
        throw new Error('the callback itself fails');
      });
      await jest.advanceTimersByTimeAsync(3 * INTERVAL_MS);
      expect(calls).toBe(3);
      expect(seen[0]).toBe(typed);
      expect(seen[1]).toMatchObject({
        code: 'unavailable',
        message: 'scripted: sweep failed (TypeError). It is retried next interval.',
      });
      await store.close();
    });
  });

  it('schedules nothing for an interval of 0, and refuses a second schedule or a bad interval', async () => {
    let calls = 0;
    const store = new SweepingStore(
      scriptedDriver(),
      async () => {
        calls += 1;
      },
      0,
    );
    expect(jest.getTimerCount()).toBe(0);
    await jest.advanceTimersByTimeAsync(60_000);
    expect(calls).toBe(0);
    expect(() => store.scheduleAgain(-1)).toThrow(/non-negative integer/);
    store.scheduleAgain(INTERVAL_MS);
    expect(() => store.scheduleAgain(INTERVAL_MS)).toThrow(/already scheduled/);
    await store.close();
    expect(jest.getTimerCount()).toBe(0);
  });
});

describe('runtime sweep timer', () => {
  it("is unref'd: it never keeps a process alive on its own", async () => {
    const before = process.getActiveResourcesInfo().filter((name) => name === 'Timeout').length;
    const store = new SweepingStore(scriptedDriver(), async () => undefined, 60_000);
    try {
      // getActiveResourcesInfo lists only timers that keep the event loop alive.
      expect(process.getActiveResourcesInfo().filter((name) => name === 'Timeout')).toHaveLength(before);
    } finally {
      await store.close();
    }
  });
});
