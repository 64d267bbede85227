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
import { mapSqliteError } from './map-error';
import { DEFAULT_TABLE, migrationSql, migrationStatements } from './schema';
import type { SqliteClientLike } from './sqlite-client';
import { SqliteDriver } from './sqlite-driver';
import { type Statements, statements } from './statements';

/** The sweep's options and result, shared by every SQL-table adapter (defined in core). */
export type { SweepOptions, SweepResult } from '@oauth-store/core';

/** Default for {@link SqliteStoreOptions.timeoutMs}. */
export const DEFAULT_TIMEOUT_MS = 10_000;
/** Default for {@link SqliteStoreOptions.maxValueBytes}: 1 MiB. */
export const DEFAULT_MAX_VALUE_BYTES = 1024 * 1024;
/** Largest accepted {@link SqliteStoreOptions.maxValueBytes}: 64 MiB. */
export const MAX_VALUE_BYTES_LIMIT = 64 * 1024 * 1024;
/** Default for {@link SweepOptions.batchSize}. */
export const DEFAULT_SWEEP_BATCH_SIZE = 1000;
/** Default for {@link SweepOptions.maxBatches}. */
export const DEFAULT_SWEEP_MAX_BATCHES = 100;
/** Default for {@link SqliteStoreOptions.sweepIntervalMs}: once a minute. */
export const DEFAULT_SWEEP_INTERVAL_MS = 60_000;
/** Batches one timer tick may run. */
export const DEFAULT_TIMER_SWEEP_MAX_BATCHES = 10;

/** Options for {@link SqliteStore}. */
export interface SqliteStoreOptions {
  /** An `@libsql/client` Client (`createClient({ url: 'file:...' })`), or use {@link createSqliteStore}. */
  client: SqliteClientLike;
  /** Table name. Default `oauth_store`. */
  table?: string;
  /** Close the client in `close()`. Default false. */
  closeClient?: boolean;
  /** Upper bound in milliseconds on every operation. Default 10 000. */
  timeoutMs?: number;
  /** Largest value accepted, in bytes. Default 1 MiB, at most 64 MiB. */
  maxValueBytes?: number;
  /** Sweep expired rows every this many ms (unref'd timer). Default 60 000; `0` turns it off. */
  sweepIntervalMs?: number;
  /** Rows per sweep batch. Default 1000. */
  sweepBatchSize?: number;
  /** Receives timer sweep failures (typed, never containing keys). */
  onSweepError?: (error: OAuthStoreError) => void;
  /** The application clock in epoch milliseconds. Default `Date.now`. */
  now?: () => number;
}

/**
 * A {@link ByteStore} in one SQLite table through `@libsql/client` (a local file shared by several processes on one
 * host, or a Turso / sqld database), on core's adapter runtime. Keys are BLOBs; `take` is one `DELETE ... RETURNING`;
 * conditional writes and compare-and-set are single statements; expiry is filtered in SQL and swept in batches (timer
 * on by default). For a local file use {@link createSqliteStore}, which also sets WAL mode and the busy timeout.
 */
export class SqliteStore extends RuntimeStore {
  readonly #driver: SqliteDriver;
  readonly #client: SqliteClientLike;
  readonly #table: string;
  readonly #sql: Statements;
  readonly #sweepBatchSize: number;

  constructor(options: SqliteStoreOptions) {
    if (!options || typeof options.client?.execute !== 'function') {
      throw new ConfigurationError(
        "options.client is required: an @libsql/client Client, or use createSqliteStore({ url: 'sqlite:./data.db' }).",
        { source: 'sqlite' },
      );
    }
    const table = options.table ?? DEFAULT_TABLE;
    const sql = statements(table);
    const sweepBatchSize = integerOption('sqlite', 'sweepBatchSize', options.sweepBatchSize, DEFAULT_SWEEP_BATCH_SIZE, {
      max: 100_000,
    });
    const sweepIntervalMs = integerOption(
      'sqlite',
      'sweepIntervalMs',
      options.sweepIntervalMs,
      DEFAULT_SWEEP_INTERVAL_MS,
      {
        min: 0,
      },
    );
    const capabilities: StoreCapabilities = {
      name: 'sqlite',
      maxKeyBytes: 1024,
      maxCollectionBytes: 256,
      maxValueBytes: integerOption('sqlite', 'maxValueBytes', options.maxValueBytes, DEFAULT_MAX_VALUE_BYTES, {
        max: MAX_VALUE_BYTES_LIMIT,
      }),
      nativeTtl: false,
      atomicTake: true,
      compareAndSet: true,
    };
    const driver = new SqliteDriver({
      client: options.client,
      statements: sql,
      capabilities,
      timeoutMs: integerOption('sqlite', 'timeoutMs', options.timeoutMs, DEFAULT_TIMEOUT_MS),
      now: options.now ?? Date.now,
      closeClient: options.closeClient ?? false,
    });
    super(driver);
    this.#driver = driver;
    this.#client = options.client;
    this.#table = table;
    this.#sql = sql;
    this.#sweepBatchSize = sweepBatchSize;
    // The runtime owns the schedule (interval, no overlap, unref, stop on close, error reporting); this is the SQL.
    this.scheduleSweep(
      () => this.sweepExpired({ batchSize: sweepBatchSize, maxBatches: DEFAULT_TIMER_SWEEP_MAX_BATCHES }),
      sweepIntervalMs,
      options.onSweepError,
    );
  }

  /** Administrative work (migrate, sweep) outside the runtime's operations: closed check, typing, `timeoutMs` bound. */
  #admin<T>(operation: string, body: () => Promise<T>): Promise<T> {
    const boundMs = this.#driver.timeoutMs;
    const work = {
      operation,
      source: 'sqlite',
      backend: 'the SQLite database',
      closed: this.closed,
      boundMs,
      mapError: mapSqliteError,
    };
    return runAdminWork(work, body);
  }

  /**
   * Creates the table and its expiry index when missing, in one `BEGIN IMMEDIATE` transaction: processes starting
   * together queue on the write lock (within the busy timeout), so it is idempotent under concurrent start-up.
   */
  migrate(): Promise<void> {
    return this.#admin('migrate', async () => {
      await this.#client.batch(
        migrationStatements(this.#table).map((sql) => ({ sql, args: [] })),
        'write',
      );
    });
  }

  /** The SQL {@link migrate} applies. */
  migrationSql(): string {
    return migrationSql(this.#table);
  }

  /** Deletes expired rows in batches (each one short write transaction), stopping when a batch is not full. */
  sweepExpired(options: SweepOptions = {}): Promise<SweepResult> {
    return this.#admin('sweepExpired', async () => {
      const batchSize = integerOption('sqlite', 'batchSize', options.batchSize, this.#sweepBatchSize, { max: 100_000 });
      const maxBatches = integerOption('sqlite', 'maxBatches', options.maxBatches, DEFAULT_SWEEP_MAX_BATCHES);
      const now = this.#driver.now();
      const deleteBatch = async (size: number) => (await this.#driver.run(this.#sql.sweep, [now, size])).length;
      return sweepInBatches(deleteBatch, { batchSize, maxBatches }, () => this.closed);
    });
  }
}
