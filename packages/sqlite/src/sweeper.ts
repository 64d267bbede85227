/** A running periodic sweep; see {@link startSweepTimer}. */
export interface SweepTimer {
  /** Stops the timer and waits for a sweep in progress to finish. */
  stop(): Promise<void>;
}

/**
 * Runs `sweep` every `intervalMs`, never two at once. The timer is unref'd so it never keeps a process alive on its
 * own; errors go to `onError` (a sweep that fails is simply tried again next interval).
 */
export function startSweepTimer(
  sweep: () => Promise<unknown>,
  intervalMs: number,
  onError: (error: unknown) => void,
): SweepTimer {
  let running: Promise<void> | undefined;
  const timer = setInterval(() => {
    if (running) return;
    running = sweep()
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
  }, intervalMs);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
