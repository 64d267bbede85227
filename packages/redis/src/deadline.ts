import { setMaxListeners } from 'node:events';
import { type StoreOperation, StoreUnavailableError } from '@oauth-store/core';

/**
 * Runs `body` with a hard time bound. When `timeoutMs` passes first, the signal given to `body` aborts (node-redis
 * then drops the command if it has not been written yet) and the returned promise rejects with
 * {@link StoreUnavailableError}, whatever the client library is still doing. No operation can hang.
 */
export async function withDeadline<T>(
  operation: StoreOperation,
  timeoutMs: number,
  body: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const controller = new AbortController();
  // One signal serves every command of the operation (`list` sends one per bucket, concurrently).
  setMaxListeners(0, controller.signal);
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const error = new StoreUnavailableError(
        `${operation} did not complete within ${timeoutMs} ms (Redis unreachable or too slow). Its outcome is unknown; it can be retried.`,
        { source: 'redis' },
      );
      controller.abort(error);
      reject(error);
    }, timeoutMs);
  });
  try {
    return await Promise.race([body(controller.signal), expired]);
  } finally {
    clearTimeout(timer);
  }
}
