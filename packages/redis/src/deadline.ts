import { setMaxListeners } from 'node:events';
import { type StoreOperation, StoreUnavailableError } from '@oauth-store/core';

/**
 * Runs `body` with a hard time bound. When `timeoutMs` passes first, the signal given to `body` aborts (node-redis
 * then drops the command if it has not been written yet) and the returned promise rejects with
 * {@link StoreUnavailableError}, whatever the client library is still doing. No operation can hang.
 *
 * Set `concurrentCommands` when `body` sends several commands at once on the signal (`list`: one per bucket): each
 * adds an abort listener, and past ten Node would print a leak warning. It is off otherwise because lifting the limit
 * (`setMaxListeners`) costs more than everything else here together.
 *
 * Written with one plain promise and one timer instead of `Promise.race` and an async function: this runs on every
 * operation, and each extra promise is measurable next to a sub-100 µs Redis round trip.
 */
export function withDeadline<T>(
  operation: StoreOperation,
  timeoutMs: number,
  body: (signal: AbortSignal) => Promise<T>,
  concurrentCommands = false,
): Promise<T> {
  const controller = new AbortController();
  if (concurrentCommands) setMaxListeners(0, controller.signal);
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      const error = new StoreUnavailableError(
        `${operation} did not complete within ${timeoutMs} ms (Redis unreachable or too slow). Its outcome is unknown; it can be retried.`,
        { source: 'redis' },
      );
      controller.abort(error);
      reject(error);
    }, timeoutMs);
    const settle = () => clearTimeout(timer);
    let running: Promise<T>;
    try {
      running = body(controller.signal);
    } catch (error) {
      settle();
      reject(error);
      return;
    }
    // After the deadline the promise is already rejected, so a late outcome is ignored (a promise settles once).
    running.then(
      (value) => {
        settle();
        resolve(value);
      },
      (error: unknown) => {
        settle();
        reject(error);
      },
    );
  });
}
