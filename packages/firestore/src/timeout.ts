/**
 * Thrown when an operation did not settle within `operationTimeoutMs`. The SDK call in flight keeps running in the
 * background (the Firestore SDK takes no abort signal), so the outcome of a timed-out write is unknown.
 */
export class OperationTimeoutError extends Error {
  /** The bound that was exceeded, in milliseconds. */
  readonly timeoutMs: number;

  constructor(timeoutMs: number) {
    super(`the operation did not complete within ${timeoutMs} ms`);
    this.name = 'OperationTimeoutError';
    this.timeoutMs = timeoutMs;
  }
}

/**
 * Runs `body` and settles like it, or rejects with {@link OperationTimeoutError} after `timeoutMs`. The SDK retries
 * UNAVAILABLE for up to minutes by default; this bound is what keeps a store call from hanging on an unreachable
 * backend. `body` receives a signal that aborts at the deadline, so its retry loops stop issuing new requests.
 */
export async function withTimeout<T>(timeoutMs: number, body: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const error = new OperationTimeoutError(timeoutMs);
      controller.abort(error);
      reject(error);
    }, timeoutMs);
  });
  try {
    return await Promise.race([body(controller.signal), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
