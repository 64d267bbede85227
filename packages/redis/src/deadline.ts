import { setMaxListeners } from 'node:events';
import { type StoreOperation, StoreUnavailableError } from '@oauth-store/core';

/** Longest stretch of time whose operations share one abort signal. */
const MAX_WINDOW_MS = 50;
/**
 * Most operations sharing one abort signal. Adding a listener to an EventTarget walks its listeners (to skip
 * duplicates), so a burst of thousands of commands on one signal would cost quadratic time; a fresh signal every 32
 * operations keeps that walk short and the controller's cost per operation small.
 */
const MAX_OPERATIONS_PER_SIGNAL = 32;

/** node-redis' AbortError (it sets no `name`, so the class name tells), or the signal's own reason. */
function isAbort(error: unknown, signal: AbortSignal): boolean {
  if (error === signal.reason) return true;
  return error instanceof Error && (error.name === 'AbortError' || error.constructor?.name === 'AbortError');
}

/** One shared abort signal and how many operations using it have not settled yet. */
interface SignalWindow {
  readonly controller: AbortController;
  pending: number;
}

/**
 * Hard time bounds for a store's operations. {@link Deadlines.run} rejects with {@link StoreUnavailableError} once
 * `timeoutMs` has passed since the operation started, whatever the client library is still doing: no operation can
 * hang.
 *
 * Each operation also hands the client an abort signal, so that a command it has not written yet (or a wait for the
 * connection) is dropped instead of running after the operation was reported failed. Creating an AbortController
 * costs several microseconds in Node (more than the rest of this class per operation), so operations that start
 * within the same short window (a tenth of the timeout, at most 50 ms; at most 32 of them) share one, and it aborts
 * `timeoutMs` after the window opened: at or before the deadline of every operation in it, at most one window early. When that early abort
 * makes a command fail, the operation still rejects at its own deadline, with the same error as always; the only
 * difference is that a command not even written by then, or a connection not back by then, no longer gets the last
 * few milliseconds.
 */
export class Deadlines {
  readonly #timeoutMs: number;
  readonly #windowMs: number;
  #window: SignalWindow | undefined;
  #windowEnds = 0;
  #uses = 0;

  constructor(timeoutMs: number) {
    this.#timeoutMs = timeoutMs;
    this.#windowMs = Math.min(MAX_WINDOW_MS, timeoutMs / 10);
  }

  /** The shared signal for an operation starting now. */
  #current(now: number): SignalWindow {
    if (this.#window === undefined || now >= this.#windowEnds || ++this.#uses > MAX_OPERATIONS_PER_SIGNAL) {
      const window: SignalWindow = { controller: new AbortController(), pending: 0 };
      // Every command in flight from this window listens on it (node-redis adds one listener per command).
      setMaxListeners(0, window.controller.signal);
      const timeoutMs = this.#timeoutMs;
      // Unref'd: each operation's own timer keeps the process alive while that operation is pending. When every
      // operation of the window has settled, nothing is left to withdraw (as with a per-operation timer cleared on
      // settling), so the usual case builds no error: one captures a stack trace, which costs more than the rest.
      setTimeout(() => {
        if (window.pending === 0) return;
        window.controller.abort(
          new StoreUnavailableError(
            `a Redis command did not complete within ${timeoutMs} ms (Redis unreachable or too slow).`,
            { source: 'redis' },
          ),
        );
      }, timeoutMs).unref();
      this.#window = window;
      this.#windowEnds = now + this.#windowMs;
      this.#uses = 1;
    }
    return this.#window;
  }

  /**
   * Runs `body` within the bound. Written with one plain promise and one timer instead of `Promise.race` and an async
   * function: this runs on every operation, and each extra promise is measurable next to a sub-100 µs round trip.
   */
  run<T>(operation: StoreOperation, body: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const window = this.#current(performance.now());
    const signal = window.controller.signal;
    const timeoutMs = this.#timeoutMs;
    window.pending++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(
          new StoreUnavailableError(
            `${operation} did not complete within ${timeoutMs} ms (Redis unreachable or too slow). Its outcome is unknown; it can be retried.`,
            { source: 'redis' },
          ),
        );
      }, timeoutMs);
      let running: Promise<T>;
      try {
        running = body(signal);
      } catch (error) {
        window.pending--;
        clearTimeout(timer);
        reject(error);
        return;
      }
      // After the deadline the promise is already rejected, so a late outcome is ignored (a promise settles once).
      running.then(
        (value) => {
          window.pending--;
          clearTimeout(timer);
          resolve(value);
        },
        (error: unknown) => {
          window.pending--;
          // Dropped by the shared signal, shortly before this operation's own deadline: that timer reports it.
          if (signal.aborted && isAbort(error, signal)) return;
          clearTimeout(timer);
          reject(error);
        },
      );
    });
  }
}
