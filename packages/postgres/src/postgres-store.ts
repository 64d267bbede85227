import {
  type ByteStore,
  ConfigurationError,
  DriverStore,
  expiresAtFor,
  type OAuthStoreError,
  type StoreCapabilities,
  StoreClosedError,
} from '@oauth-store/core';
import { decodeCursor, encodeCursor } from './cursor';
import { type TableNames, tableNames } from './identifiers';
import { mapPostgresError } from './map-error';
import { DEFAULT_SCHEMA, DEFAULT_TABLE, migrationSql, migrationStatement, type TableLocation } from './schema';
import type { SqlClient, SqlResult } from './sql-client';
import { type Statements, statements } from './statements';
import { type SweepTimer, startSweepTimer } from './sweeper';

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

/** Options for {@link PostgresStore}. */
export interface PostgresStoreOptions extends TableLocation {
  /** Where statements go: {@link fromPgPool}(pool) or {@link fromPGlite}(db). */
  client: SqlClient;
  /** End the client (pool or PGlite) in `close()`. Default false: whoever created the pool ends it. */
  closeClient?: boolean;
  /**
   * Upper bound in milliseconds on every statement, including waiting for a pool connection. Default 10 000.
   * A statement that exceeds it rejects with a `StoreUnavailableError` (for a write, its outcome is then unknown).
   */
  timeoutMs?: number;
  /** Largest value accepted, in bytes. Default 1 MiB, at most 64 MiB. */
  maxValueBytes?: number;
  /** Run {@link PostgresStore.sweepExpired} every this many milliseconds (an unref'd timer that `close()` stops). Off by default. */
  sweepIntervalMs?: number;
  /** Rows per sweep batch for the timer. Default 1000. */
  sweepBatchSize?: number;
  /** Receives timer sweep failures (always typed, never containing keys). Default: ignored, retried next interval. */
  onSweepError?: (error: OAuthStoreError) => void;
  /** The application clock in epoch milliseconds, used for every expiry decision. Default `Date.now`. */
  now?: () => number;
}

/** Options for {@link PostgresStore.sweepExpired}. */
export interface SweepOptions {
  /** Rows deleted per statement (each batch is its own short transaction). Default 1000. */
  batchSize?: number;
  /** Stop after this many batches even if expired rows remain (bounds one call's work). Default 100. */
  maxBatches?: number;
}

/** What one {@link PostgresStore.sweepExpired} call did. */
export interface SweepResult {
  /** Expired rows deleted. */
  deleted: number;
  /** Statements run. */
  batches: number;
  /** True when the last batch was full, so expired rows may remain (call again, or let the timer continue). */
  more: boolean;
}

function positiveInteger(name: string, value: unknown, fallback: number, max = Number.MAX_SAFE_INTEGER): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || (value as number) < 1 || (value as number) > max) {
    throw new ConfigurationError(`${name} must be an integer from 1 to ${max}, got ${String(value)}.`, {
      source: 'postgres',
    });
  }
  return value as number;
}

function utf8(text: string): Buffer {
  return Buffer.from(text, 'utf8');
}

/** A fresh Uint8Array (not a Buffer view into a shared pool slab) with the column's bytes. */
function ownBytes(value: unknown): Uint8Array {
  if (!(value instanceof Uint8Array)) {
    throw new ConfigurationError('a bytea column did not come back as bytes; use a table created by migrate().', {
      source: 'postgres',
    });
  }
  return new Uint8Array(value);
}

/**
 * A {@link ByteStore} in one PostgreSQL table, through a `pg` Pool or PGlite.
 *
 * Every operation is a single atomic statement with the application's clock as a parameter: `take` is
 * `DELETE ... RETURNING`, `set` with `onlyIfAbsent` is `INSERT ... ON CONFLICT DO UPDATE ... WHERE expired`. Expired
 * rows are never returned; {@link sweepExpired} (or the `sweepIntervalMs` timer) deletes them in bounded batches.
 * Call {@link migrate} once (at startup is fine, it is idempotent and safe under concurrency) or apply
 * {@link migrationSql} by hand.
 */
export class PostgresStore extends DriverStore {
  readonly #client: SqlClient;
  readonly #names: TableNames;
  readonly #location: Required<TableLocation>;
  readonly #sql: Statements;
  readonly #timeoutMs: number;
  readonly #sweepBatchSize: number;
  readonly #now: () => number;
  readonly #sweeper: SweepTimer | undefined;
  #closed = false;

  constructor(options: PostgresStoreOptions) {
    super();
    if (!options || typeof options.client?.query !== 'function') {
      throw new ConfigurationError('options.client is required: pass fromPgPool(pool) or fromPGlite(db).', {
        source: 'postgres',
      });
    }
    this.#client = options.client;
    this.#location = { schema: options.schema ?? DEFAULT_SCHEMA, table: options.table ?? DEFAULT_TABLE };
    this.#names = tableNames(this.#location.schema, this.#location.table);
    this.#sql = statements(this.#names);
    this.#timeoutMs = positiveInteger('timeoutMs', options.timeoutMs, DEFAULT_TIMEOUT_MS);
    this.#sweepBatchSize = positiveInteger('sweepBatchSize', options.sweepBatchSize, DEFAULT_SWEEP_BATCH_SIZE);
    this.#now = options.now ?? Date.now;
    const capabilities: StoreCapabilities = {
      name: 'postgres',
      // The primary key's B-tree entry must stay under ~2.7 kB (a third of a page): 1024 + 256 leaves ample room.
      maxKeyBytes: 1024,
      maxCollectionBytes: 256,
      maxValueBytes: positiveInteger(
        'maxValueBytes',
        options.maxValueBytes,
        DEFAULT_MAX_VALUE_BYTES,
        MAX_VALUE_BYTES_LIMIT,
      ),
      nativeTtl: false,
      atomicTake: true,
      compareAndSet: false,
    };
    const sweepIntervalMs = positiveInteger('sweepIntervalMs', options.sweepIntervalMs, 0);
    const closeClient = options.closeClient ?? false;
    const onSweepError = options.onSweepError;
    const sql = this.#sql;

    this.useDriver({
      capabilities,
      mapError: (error, operation) => mapPostgresError(error, operation),
      get: async (collection, key) => {
        const { rows } = await this.#query(sql.get, [utf8(collection), utf8(key), this.#now()]);
        return rows[0] ? ownBytes(rows[0].value) : undefined;
      },
      set: async (collection, key, value, { ttlMs, onlyIfAbsent }) => {
        const now = this.#now();
        const params = [utf8(collection), utf8(key), value, expiresAtFor(ttlMs, now) ?? null];
        if (!onlyIfAbsent) {
          await this.#query(sql.set, params);
          return true;
        }
        const { rows } = await this.#query(sql.setIfAbsent, [...params, now]);
        return rows.length === 1;
      },
      delete: async (collection, key) => {
        const { rows } = await this.#query(sql.delete, [utf8(collection), utf8(key), this.#now()]);
        return rows[0]?.live === true;
      },
      take: async (collection, key) => {
        const { rows } = await this.#query(sql.take, [utf8(collection), utf8(key), this.#now()]);
        const row = rows[0];
        return row && row.live === true ? ownBytes(row.value) : undefined;
      },
      list: async (collection, { cursor, limit }) => {
        // One extra row tells whether another page exists without a second query.
        const base = [utf8(collection), this.#now(), limit + 1];
        const { rows } =
          cursor === undefined
            ? await this.#query(sql.listFirst, base)
            : await this.#query(sql.listAfter, [...base, decodeCursor(cursor)]);
        const page = rows.slice(0, limit).map((row) => ownBytes(row.key));
        const keys = page.map((bytes) => Buffer.from(bytes).toString('utf8'));
        const last = page.at(-1);
        return rows.length > limit && last ? { keys, cursor: encodeCursor(last) } : { keys };
      },
      close: async () => {
        await this.#sweeper?.stop();
        if (closeClient) await this.#client.end?.();
      },
    });

    this.#sweeper =
      sweepIntervalMs > 0
        ? startSweepTimer(
            () => this.sweepExpired({ batchSize: this.#sweepBatchSize }),
            sweepIntervalMs,
            (error) => onSweepError?.(mapPostgresError(error, 'sweepExpired')),
          )
        : undefined;
  }

  /** Runs one statement, bounded by `timeoutMs` whatever the driver does. */
  async #query(text: string, params: readonly unknown[]): Promise<SqlResult> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        reject(Object.assign(new Error('statement timed out'), { name: 'TimeoutError', code: 'ETIMEDOUT' }));
      }, this.#timeoutMs);
    });
    try {
      return await Promise.race([this.#client.query(text, params, { timeoutMs: this.#timeoutMs }), deadline]);
    } finally {
      clearTimeout(timer);
    }
  }

  async #run<T>(operation: string, body: () => Promise<T>): Promise<T> {
    if (this.#closed) {
      throw new StoreClosedError(`${operation} called after close(). Create a new store.`, { source: 'postgres' });
    }
    try {
      return await body();
    } catch (error) {
      throw mapPostgresError(error, operation);
    }
  }

  /**
   * Creates the schema (when missing), the table and the expiry index, idempotently. Safe when many instances start
   * at once: the statement holds a transaction-scoped advisory lock, so concurrent migrations take turns.
   */
  migrate(): Promise<void> {
    return this.#run('migrate', async () => {
      await this.#query(migrationStatement(this.#names), []);
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
    return this.#run('sweepExpired', async () => {
      const batchSize = positiveInteger('batchSize', options.batchSize, this.#sweepBatchSize, 100_000);
      const maxBatches = positiveInteger('maxBatches', options.maxBatches, DEFAULT_SWEEP_MAX_BATCHES);
      // One cut-off for the whole call, so rows expiring meanwhile cannot keep it running.
      const now = this.#now();
      let deleted = 0;
      let batches = 0;
      let more = true;
      while (more && batches < maxBatches && !this.#closed) {
        const { rows } = await this.#query(this.#sql.sweep, [now, batchSize]);
        const count = Number(rows[0]?.deleted ?? 0);
        deleted += count;
        batches += 1;
        more = count === batchSize;
      }
      return { deleted, batches, more };
    });
  }

  /** Stops the sweep timer and, with `closeClient`, ends the pool or PGlite. Later calls reject with `closed`. */
  override close(): Promise<void> {
    this.#closed = true;
    return super.close();
  }
}
