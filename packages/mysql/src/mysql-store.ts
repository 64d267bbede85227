import {
  ConfigurationError,
  integerOption,
  type OAuthStoreError,
  RuntimeStore,
  runAdminWork,
  type StoreCapabilities,
  StoreUnavailableError,
  type SweepOptions,
  type SweepResult,
  sweepInBatches,
} from '@oauth-store/core';
import { mapMysqlError } from './map-error';
import { MysqlDriver, type TakeStrategy } from './mysql-driver';
import type { MysqlPoolLike } from './mysql-pool';
import { DEFAULT_TABLE, MIGRATION_LOCK_NAME, migrationSql } from './schema';
import { type Statements, statements } from './statements';

/** The sweep's options and result, shared by every SQL-table adapter (defined in core). */
export type { SweepOptions, SweepResult } from '@oauth-store/core';

/** Default for {@link MysqlStoreOptions.timeoutMs}. */
export const DEFAULT_TIMEOUT_MS = 10_000;
/** Default for {@link MysqlStoreOptions.maxValueBytes}: 1 MiB. */
export const DEFAULT_MAX_VALUE_BYTES = 1024 * 1024;
/**
 * Largest accepted {@link MysqlStoreOptions.maxValueBytes}: 15 MiB, so a record with its header and the statement
 * around it fits MariaDB's default `max_allowed_packet` (16 MiB; MySQL 8's is 64 MiB).
 */
export const MAX_VALUE_BYTES_LIMIT = 15 * 1024 * 1024;
/** Default for {@link SweepOptions.batchSize}. */
export const DEFAULT_SWEEP_BATCH_SIZE = 1000;
/** Default for {@link SweepOptions.maxBatches}. */
export const DEFAULT_SWEEP_MAX_BATCHES = 100;
/** Default for {@link MysqlStoreOptions.sweepIntervalMs}: once a minute (see the README for the cost). */
export const DEFAULT_SWEEP_INTERVAL_MS = 60_000;
/** Batches one timer tick may run. */
export const DEFAULT_TIMER_SWEEP_MAX_BATCHES = 10;

/** Options for {@link MysqlStore}. */
export interface MysqlStoreOptions {
  /** A `mysql2/promise` pool (see {@link MysqlPoolLike} for the FOUND_ROWS advice). */
  pool: MysqlPoolLike;
  /** Table name. Default `oauth_store`. */
  table?: string;
  /** End the pool in `close()`. Default false: whoever created the pool ends it. */
  closePool?: boolean;
  /** Upper bound in milliseconds on every operation, including waiting for a pooled connection. Default 10 000. */
  timeoutMs?: number;
  /** Largest value accepted, in bytes. Default 1 MiB, at most 15 MiB. */
  maxValueBytes?: number;
  /** See {@link TakeStrategy}. Default `auto`. */
  takeStrategy?: TakeStrategy;
  /** Run {@link MysqlStore.sweepExpired} every this many ms on an unref'd timer. Default 60 000; `0` turns it off. */
  sweepIntervalMs?: number;
  /** Rows per sweep batch. Default 1000. */
  sweepBatchSize?: number;
  /** Receives timer sweep failures (typed, never containing keys). Default: ignored, retried next interval. */
  onSweepError?: (error: OAuthStoreError) => void;
  /** The application clock in epoch milliseconds, used for every expiry decision. Default `Date.now`. */
  now?: () => number;
}

const STRATEGIES: readonly TakeStrategy[] = ['auto', 'delete-returning', 'locking-read'];

/**
 * A {@link ByteStore} in one MySQL 8 / MariaDB 10.6+ InnoDB table through a mysql2 pool, on core's adapter runtime.
 * Keys are VARBINARY (byte-exact: no collation folds case or accents), `take` is `DELETE ... RETURNING` on MariaDB and
 * a locking read in a transaction on MySQL 8, conditional writes are single statements, expiry is filtered in SQL and
 * swept in batches (timer on by default, once a minute). Call {@link migrate} once at start-up (idempotent, safe when
 * instances start together).
 */
export class MysqlStore extends RuntimeStore {
  readonly #driver: MysqlDriver;
  readonly #pool: MysqlPoolLike;
  readonly #table: string;
  readonly #sql: Statements;
  readonly #sweepBatchSize: number;

  constructor(options: MysqlStoreOptions) {
    if (!options || typeof options.pool?.query !== 'function' || typeof options.pool?.getConnection !== 'function') {
      throw new ConfigurationError(
        "options.pool is required: a mysql2/promise pool (createPool from 'mysql2/promise'), or use createMysqlStore({ url }).",
        { source: 'mysql' },
      );
    }
    const table = options.table ?? DEFAULT_TABLE;
    const sql = statements(table);
    const takeStrategy = options.takeStrategy ?? 'auto';
    if (!STRATEGIES.includes(takeStrategy)) {
      throw new ConfigurationError(`takeStrategy must be one of ${STRATEGIES.join(', ')}.`, { source: 'mysql' });
    }
    const sweepBatchSize = integerOption('mysql', 'sweepBatchSize', options.sweepBatchSize, DEFAULT_SWEEP_BATCH_SIZE, {
      max: 100_000,
    });
    const sweepIntervalMs = integerOption(
      'mysql',
      'sweepIntervalMs',
      options.sweepIntervalMs,
      DEFAULT_SWEEP_INTERVAL_MS,
      {
        min: 0,
      },
    );
    const capabilities: StoreCapabilities = {
      name: 'mysql',
      // VARBINARY(1024) + VARBINARY(256): a 1280-byte primary key, within InnoDB's 3072-byte limit.
      maxKeyBytes: 1024,
      maxCollectionBytes: 256,
      maxValueBytes: integerOption('mysql', 'maxValueBytes', options.maxValueBytes, DEFAULT_MAX_VALUE_BYTES, {
        max: MAX_VALUE_BYTES_LIMIT,
      }),
      nativeTtl: false,
      atomicTake: true,
      compareAndSet: true,
    };
    const driver = new MysqlDriver({
      pool: options.pool,
      statements: sql,
      capabilities,
      timeoutMs: integerOption('mysql', 'timeoutMs', options.timeoutMs, DEFAULT_TIMEOUT_MS),
      now: options.now ?? Date.now,
      takeStrategy,
      closePool: options.closePool ?? false,
    });
    super(driver);
    this.#driver = driver;
    this.#pool = options.pool;
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
  #admin<T>(operation: string, body: () => Promise<T>, boundMs = this.#driver.timeoutMs): Promise<T> {
    const work = {
      operation,
      source: 'mysql',
      backend: 'MySQL',
      closed: this.closed,
      boundMs,
      mapError: mapMysqlError,
    };
    return runAdminWork(work, body);
  }

  /**
   * Creates the table (with its expiry index) when missing. Safe when many instances start at once: each holds the
   * server-wide `GET_LOCK('oauth_store_migrate')` while it runs `CREATE TABLE IF NOT EXISTS`, so they take turns.
   */
  migrate(): Promise<void> {
    // Waiting for other instances' migrations may take a while: twice the usual bound.
    const boundMs = this.#driver.timeoutMs * 2;
    return this.#admin(
      'migrate',
      async () => {
        const connection = await this.#pool.getConnection();
        let clean = false;
        try {
          const seconds = Math.max(1, Math.floor(this.#driver.timeoutMs / 1000));
          const [rows] = (await connection.query({ sql: 'SELECT GET_LOCK(?, ?) AS got', timeout: boundMs }, [
            MIGRATION_LOCK_NAME,
            seconds,
          ])) as [Array<{ got: unknown }>, unknown];
          if (Number(rows[0]?.got) !== 1) {
            throw new StoreUnavailableError(
              `migrate: another instance held the migration lock for ${seconds} s. Retry; if it persists, look for a stuck session holding GET_LOCK('${MIGRATION_LOCK_NAME}').`,
              { source: 'mysql' },
            );
          }
          try {
            await connection.query({ sql: migrationSql(this.#table), timeout: boundMs });
          } finally {
            await connection.query({ sql: 'SELECT RELEASE_LOCK(?)', timeout: boundMs }, [MIGRATION_LOCK_NAME]);
          }
          clean = true;
        } finally {
          if (clean) connection.release();
          else connection.destroy();
        }
      },
      boundMs,
    );
  }

  /** The SQL {@link migrate} applies, for a DBA. */
  migrationSql(): string {
    return `${migrationSql(this.#table)};\n`;
  }

  /**
   * Deletes expired rows in batches of `batchSize` (`DELETE ... WHERE expires_at <= now LIMIT n`, each its own short
   * transaction), stopping when a batch is not full or after `maxBatches`.
   */
  sweepExpired(options: SweepOptions = {}): Promise<SweepResult> {
    return this.#admin('sweepExpired', async () => {
      const batchSize = integerOption('mysql', 'batchSize', options.batchSize, this.#sweepBatchSize, { max: 100_000 });
      const maxBatches = integerOption('mysql', 'maxBatches', options.maxBatches, DEFAULT_SWEEP_MAX_BATCHES);
      const now = this.#driver.now();
      const deleteBatch = async (size: number) => {
        const sql = `${this.#sql.sweep}${size}`;
        const { affectedRows } = await this.#driver.execute<{ affectedRows: number }>(sql, [now], undefined);
        return affectedRows;
      };
      return sweepInBatches(deleteBatch, { batchSize, maxBatches }, () => this.closed);
    });
  }
}
