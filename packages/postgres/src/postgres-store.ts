import {
  ConfigurationError,
  integerOption,
  type OAuthStoreError,
  RuntimeStore,
  runAdminWork,
  type StoreCapabilities,
  type SweepOptions,
  type SweepResult,
  sweepInBatches,
} from '@oauth-store/core';
import { type TableNames, tableNames } from './identifiers';
import { mapPostgresError } from './map-error';
import { PostgresDriver } from './postgres-driver';
import { DEFAULT_SCHEMA, DEFAULT_TABLE, migrationSql, migrationStatement, type TableLocation } from './schema';
import type { SqlClient } from './sql-client';
import { type Statements, statements } from './statements';

/** The sweep's options and result, shared by every SQL-table adapter (defined in core). */
export type { SweepOptions, SweepResult } from '@oauth-store/core';

/** Default for {@link PostgresStoreOptions.timeoutMs}. */
export const DEFAULT_TIMEOUT_MS = 10_000;
/** Default for {@link PostgresStoreOptions.maxValueBytes}: 1 MiB. */
export const DEFAULT_MAX_VALUE_BYTES = 1024 * 1024;
/** Largest accepted {@link PostgresStoreOptions.maxValueBytes}: 64 MiB (bytea holds 1 GB, but rows that big hurt). */
export const MAX_VALUE_BYTES_LIMIT = 64 * 1024 * 1024;
/** Default for {@link SweepOptions.batchSize}. */
export const DEFAULT_SWEEP_BATCH_SIZE = 1000;
/** Default for {@link SweepOptions.maxBatches}. */
export const DEFAULT_SWEEP_MAX_BATCHES = 100;
/**
 * Default for {@link PostgresStoreOptions.sweepIntervalMs}: one sweep per store instance per minute. Its cost when
 * nothing has expired is one probe of the partial `expires_at` index (well under a millisecond of server time); when
 * rows have expired, it deletes at most {@link DEFAULT_TIMER_SWEEP_MAX_BATCHES} x batch size rows per tick, one short
 * transaction per batch, and concurrent instances skip each other's rows.
 */
export const DEFAULT_SWEEP_INTERVAL_MS = 60_000;
/** Batches one timer tick may run, so a backlog is worked off over several ticks instead of in one long burst. */
export const DEFAULT_TIMER_SWEEP_MAX_BATCHES = 10;

/** Options for {@link PostgresStore}. */
export interface PostgresStoreOptions extends TableLocation {
  /** Where statements go: {@link fromPgPool}(pool) or {@link fromPGlite}(db). */
  client: SqlClient;
  /** End the client (pool or PGlite) in `close()`. Default false: whoever created the pool ends it. */
  closeClient?: boolean;
  /**
   * Upper bound in milliseconds on every operation, including waiting for a pool connection. Default 10 000.
   * An operation that exceeds it rejects with a `StoreUnavailableError` (for a write, with `outcomeUnknown`).
   */
  timeoutMs?: number;
  /** Largest value accepted, in bytes. Default 1 MiB, at most 64 MiB. */
  maxValueBytes?: number;
  /**
   * Run {@link PostgresStore.sweepExpired} every this many milliseconds on an unref'd timer that `close()` stops.
   * Default 60 000 ({@link DEFAULT_SWEEP_INTERVAL_MS}; see there for its cost). `0` turns the timer off (then expired
   * rows are never returned but stay in the table until you call `sweepExpired()` yourself, for example from cron).
   */
  sweepIntervalMs?: number;
  /** Rows per sweep batch for the timer. Default 1000. */
  sweepBatchSize?: number;
  /** Receives timer sweep failures (always typed, never containing keys). Default: ignored, retried next interval. */
  onSweepError?: (error: OAuthStoreError) => void;
  /** The application clock in epoch milliseconds, used for every expiry decision. Default `Date.now`. */
  now?: () => number;
}

/**
 * A {@link ByteStore} in one PostgreSQL table, through a `pg` Pool or PGlite, built on core's one adapter runtime.
 *
 * Every operation is a single atomic statement with the application's clock as a parameter: `take` is
 * `DELETE ... RETURNING`, `set` with `onlyIfAbsent` is `INSERT ... ON CONFLICT DO UPDATE ... WHERE expired`, and
 * compare-and-set is `UPDATE ... WHERE substring(value from 10 for 16) = version`. Expired rows are never returned;
 * the sweep timer (on by default, once a minute) deletes them in bounded batches. Call {@link migrate} once (at
 * startup is fine, it is idempotent and safe under concurrency) or apply {@link migrationSql} by hand.
 */
export class PostgresStore extends RuntimeStore {
  readonly #driver: PostgresDriver;
  readonly #names: TableNames;
  readonly #location: Required<TableLocation>;
  readonly #sql: Statements;
  readonly #sweepBatchSize: number;

  constructor(options: PostgresStoreOptions) {
    if (!options || typeof options.client?.query !== 'function') {
      throw new ConfigurationError('options.client is required: pass fromPgPool(pool) or fromPGlite(db).', {
        source: 'postgres',
      });
    }
    const location = { schema: options.schema ?? DEFAULT_SCHEMA, table: options.table ?? DEFAULT_TABLE };
    const names = tableNames(location.schema, location.table);
    const sql = statements(names);
    const sweepBatchSize = integerOption(
      'postgres',
      'sweepBatchSize',
      options.sweepBatchSize,
      DEFAULT_SWEEP_BATCH_SIZE,
      {
        max: 100_000,
      },
    );
    const sweepIntervalMs = integerOption(
      'postgres',
      'sweepIntervalMs',
      options.sweepIntervalMs,
      DEFAULT_SWEEP_INTERVAL_MS,
      {
        min: 0,
      },
    );
    const capabilities: StoreCapabilities = {
      name: 'postgres',
      // The primary key's B-tree entry must stay under ~2.7 kB (a third of a page): 1024 + 256 leaves ample room.
      maxKeyBytes: 1024,
      maxCollectionBytes: 256,
      maxValueBytes: integerOption('postgres', 'maxValueBytes', options.maxValueBytes, DEFAULT_MAX_VALUE_BYTES, {
        max: MAX_VALUE_BYTES_LIMIT,
      }),
      nativeTtl: false,
      atomicTake: true,
      compareAndSet: true,
    };
    const driver = new PostgresDriver({
      client: options.client,
      statements: sql,
      capabilities,
      timeoutMs: integerOption('postgres', 'timeoutMs', options.timeoutMs, DEFAULT_TIMEOUT_MS),
      now: options.now ?? Date.now,
      closeClient: options.closeClient ?? false,
    });
    super(driver);
    this.#driver = driver;
    this.#location = location;
    this.#names = names;
    this.#sql = sql;
    this.#sweepBatchSize = sweepBatchSize;
    // The runtime owns the schedule (interval, no overlap, unref, stop on close, error reporting); this is the SQL.
    this.scheduleSweep(
      () => this.sweepExpired({ batchSize: sweepBatchSize, maxBatches: DEFAULT_TIMER_SWEEP_MAX_BATCHES }),
      sweepIntervalMs,
      options.onSweepError,
    );
  }

  /**
   * Runs an administrative statement (migrate, sweep) outside the runtime's operations: same closed check, same error
   * typing, and the store's `timeoutMs` as its bound (a sweep must never hang `close()`).
   */
  #admin<T>(operation: string, body: () => Promise<T>): Promise<T> {
    const boundMs = this.#driver.timeoutMs;
    const work = {
      operation,
      source: 'postgres',
      backend: 'PostgreSQL',
      closed: this.closed,
      boundMs,
      mapError: mapPostgresError,
    };
    return runAdminWork(work, body);
  }

  /**
   * Creates the schema (when missing), the table and the expiry index, idempotently. Safe when many instances start
   * at once: the statement holds a transaction-scoped advisory lock, so concurrent migrations take turns.
   */
  migrate(): Promise<void> {
    return this.#admin('migrate', async () => {
      await this.#driver.query(migrationStatement(this.#names), [], undefined);
    });
  }

  /** The SQL {@link migrate} applies, as plain statements for a DBA. */
  migrationSql(): string {
    return migrationSql(this.#location);
  }

  /**
   * Deletes expired rows in batches of `batchSize` (each one short statement, so it never holds many locks or a long
   * transaction), stopping when a batch is not full or after `maxBatches`. Concurrent sweepers skip each other's rows.
   */
  sweepExpired(options: SweepOptions = {}): Promise<SweepResult> {
    return this.#admin('sweepExpired', async () => {
      const batchSize = integerOption('postgres', 'batchSize', options.batchSize, this.#sweepBatchSize, {
        max: 100_000,
      });
      const maxBatches = integerOption('postgres', 'maxBatches', options.maxBatches, DEFAULT_SWEEP_MAX_BATCHES);
      // One cut-off for the whole call, so rows expiring meanwhile cannot keep it running.
      const now = this.#driver.now();
      const deleteBatch = async (size: number) => {
        const { rows } = await this.#driver.query(this.#sql.sweep, [now, size], undefined);
        return Number(rows[0]?.deleted ?? 0);
      };
      return sweepInBatches(deleteBatch, { batchSize, maxBatches }, () => this.closed);
    });
  }
}
