/**
 * What every SQL-table adapter (PostgreSQL, MySQL, SQLite) does besides the five operations, once: checking its
 * integer options, running administrative work (migrate, a sweep) with the store's bound and error typing, and
 * deleting expired rows in batches. The adapters own the SQL; this owns the policy.
 */
import { ConfigurationError, type OAuthStoreError, StoreClosedError, StoreUnavailableError } from './errors';

/**
 * Checks an integer option: `fallback` when it is `undefined`, else an integer from `min` (default 1) to `max`, or a
 * {@link ConfigurationError} from `source` naming the option, the range and what was given.
 */
export function integerOption(
  source: string,
  name: string,
  value: unknown,
  fallback: number,
  { min = 1, max = Number.MAX_SAFE_INTEGER }: { min?: number; max?: number } = {},
): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
    throw new ConfigurationError(`${name} must be an integer from ${min} to ${max}, got ${String(value)}.`, {
      source,
    });
  }
  return value;
}

/** How a store runs one piece of administrative work (see {@link runAdminWork}). */
export interface AdminWork {
  /** The method's name, for messages: `migrate`, `sweepExpired`. */
  readonly operation: string;
  /** The store's name (its capabilities' `name`), the errors' `source`. */
  readonly source: string;
  /** What to check is reachable when no answer comes, for example `PostgreSQL`. */
  readonly backend: string;
  /** Whether the store was closed: the work is then refused. */
  readonly closed: boolean;
  /** Bound on the whole work, ms (the store's `timeoutMs`: a sweep must never hang `close()`). */
  readonly boundMs: number;
  /** The adapter's mapping of a backend error to a typed one. */
  readonly mapError: (error: unknown, operation: string) => OAuthStoreError;
}

/**
 * Runs administrative work outside the runtime's operations with the same rules: refused after `close()`, settled
 * within `boundMs` (a {@link StoreUnavailableError} that says it can be retried), and every failure typed by the
 * adapter's mapping, which never carries keys or values.
 */
export async function runAdminWork<T>(work: AdminWork, body: () => Promise<T>): Promise<T> {
  const { operation, source, backend, boundMs } = work;
  if (work.closed) {
    throw new StoreClosedError(`${operation} called after close(). Create a new store.`, { source });
  }
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new StoreUnavailableError(
            `${operation}: no answer within ${boundMs} ms. Check that ${backend} is reachable; it can be retried.`,
            { source },
          ),
        ),
      boundMs,
    );
  });
  try {
    return await Promise.race([body(), deadline]);
  } catch (error) {
    throw work.mapError(error, operation);
  } finally {
    clearTimeout(timer);
  }
}

/** Options of an adapter's `sweepExpired`. */
export interface SweepOptions {
  /** Rows deleted per statement. Default: the store's `sweepBatchSize` (1000 unless set). */
  batchSize?: number;
  /** Stop after this many batches even if expired rows remain. Default 100. */
  maxBatches?: number;
}

/** What one `sweepExpired` call did. */
export interface SweepResult {
  /** Expired rows deleted. */
  deleted: number;
  /** Statements run. */
  batches: number;
  /** True when the last batch was full, so expired rows may remain (call again, or let the timer continue). */
  more: boolean;
}

/**
 * Deletes expired rows one batch at a time with `deleteBatch` (which deletes at most `batchSize` rows and returns how
 * many it deleted), until a batch is not full, `maxBatches` ran, or `stopped()` (the store was closed meanwhile). The
 * caller gives every batch the same expiry cut-off, so rows expiring meanwhile cannot keep the sweep running.
 */
export async function sweepInBatches(
  deleteBatch: (batchSize: number) => Promise<number>,
  { batchSize, maxBatches }: { batchSize: number; maxBatches: number },
  stopped: () => boolean,
): Promise<SweepResult> {
  let deleted = 0;
  let batches = 0;
  let more = true;
  while (more && batches < maxBatches && !stopped()) {
    const count = await deleteBatch(batchSize);
    deleted += count;
    batches += 1;
    more = count === batchSize;
  }
  return { deleted, batches, more };
}
