import { StoreUnavailableError } from '@oauth-store/core';
import { SOURCE } from './errors';

/**
 * Runs `body` but rejects with StoreUnavailableError once `ms` have passed. The SDK takes no abort signal per call,
 * so the work is abandoned, not cancelled: a write may still land, which is why a timeout means "outcome unknown".
 */
export async function withDeadline<T>(ms: number, operation: string, body: () => Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(
        new StoreUnavailableError(
          `${operation} did not complete within ${ms} ms (operationTimeoutMs). Cloud Storage was unreachable or too slow; the operation can be retried.`,
          { source: SOURCE },
        ),
      );
    }, ms);
  });
  try {
    return await Promise.race([body(), deadline]);
  } finally {
    clearTimeout(timer);
  }
}
