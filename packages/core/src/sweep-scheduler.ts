/**
 * The periodic sweep of expired entries, once for every adapter whose backend has no native expiry (PostgreSQL,
 * MySQL, SQLite): the adapter supplies only the sweep itself (its SQL); this owns the schedule.
 */

/** A running periodic sweep; see {@link startSweepScheduler}. */
export interface SweepScheduler {
  /** Stops the timer and waits for a sweep in progress to finish. Idempotent. */
  stop(): Promise<void>;
}

/**
 * Runs `sweep` every `intervalMs` milliseconds, never two at once: a tick that comes while a sweep still runs is
 * skipped, not queued. The timer is unref'd, so it never keeps a process alive on its own. A sweep that fails is
 * handed to `onError` and tried again next interval; it never becomes an unhandled rejection, and neither does an
 * `onError` that throws. No jitter: instances started together sweep together, and the adapters' sweeps are built to
 * share the work (PostgreSQL's `SKIP LOCKED`) or to be cheap when there is none.
 */
export function startSweepScheduler(
  sweep: () => Promise<unknown>,
  intervalMs: number,
  onError: (error: unknown) => void,
): SweepScheduler {
  let running: Promise<void> | undefined;
  let stopped = false;
  const tick = () => {
    if (running || stopped) return;
    let pending: Promise<unknown>;
    try {
      pending = sweep();
    } catch (error) {
      // A sweep that throws instead of rejecting is reported the same way.
      pending = Promise.reject(error);
    }
    running = pending
      .then(
        () => undefined,
        (error) => {
          try {
            onError(error);
          } catch {
            // A throwing error callback must not become an unhandled rejection that ends the process.
          }
        },
      )
      .finally(() => {
        running = undefined;
      });
  };
  const timer = setInterval(tick, intervalMs);
  timer.unref();
  return {
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
