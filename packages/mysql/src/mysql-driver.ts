import {
  ConfigurationError,
  type DriverRecord,
  type ListPage,
  type OAuthStoreError,
  type OperationContext,
  type StoreCapabilities,
  type StoreDriver,
  type StoreOperation,
  type WriteCondition,
} from '@oauth-store/core';
import { decodeCursor, encodeCursor } from './cursor';
import { mapMysqlError, mysqlNotApplied } from './map-error';
import type { MysqlPoolLike } from './mysql-pool';
import type { Statements } from './statements';

/**
 * How `take` is made atomic. `delete-returning`: one `DELETE ... RETURNING` (MariaDB 10.0+). `locking-read`: a
 * transaction `SELECT ... FOR UPDATE`, `DELETE`, `COMMIT` on one connection (MySQL 8, which has no RETURNING).
 * `auto`: asks the server once (`SELECT VERSION()`) and picks the first for MariaDB, the second otherwise.
 */
export type TakeStrategy = 'auto' | 'delete-returning' | 'locking-read';

/** What {@link MysqlDriver} needs; {@link MysqlStore} validates the user's options into it. */
export interface MysqlDriverConfig {
  pool: MysqlPoolLike;
  statements: Statements;
  capabilities: StoreCapabilities;
  timeoutMs: number;
  now: () => number;
  takeStrategy: TakeStrategy;
  closePool: boolean;
}

interface ResultHeader {
  affectedRows: number;
}

type Row = Record<string, unknown>;

/** ER_DUP_ENTRY: the INSERT found a row with that primary key. */
function isDuplicateKey(error: unknown): boolean {
  return (error as { errno?: unknown } | null)?.errno === 1062;
}

/** ER_LOCK_DEADLOCK: InnoDB chose this statement as a deadlock victim and rolled it back. */
function isDeadlock(error: unknown): boolean {
  return (error as { errno?: unknown } | null)?.errno === 1213;
}

/** Unit of the random pause before a deadlock victim is tried again. */
const DEADLOCK_PAUSE_MS = 2;

function utf8(text: string): Buffer {
  return Buffer.from(text, 'utf8');
}

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function blob(value: unknown): Uint8Array {
  if (!(value instanceof Uint8Array)) {
    throw new ConfigurationError('a binary column did not come back as bytes; use a table created by migrate().', {
      source: 'mysql',
    });
  }
  return value;
}

/**
 * The MySQL / MariaDB {@link StoreDriver}. Every operation is one statement (atomic in InnoDB) except `take` on
 * MySQL 8, which is a short locking transaction on one connection. mysql2 never retries or resends a statement.
 * Expiry is judged by the application clock (`now`, a parameter), the clock the runtime filters with.
 */
export class MysqlDriver implements StoreDriver {
  readonly capabilities: StoreCapabilities;
  readonly timeoutMs: number;
  readonly now: () => number;
  readonly #pool: MysqlPoolLike;
  readonly #sql: Statements;
  readonly #closePool: boolean;
  #takeStrategy: TakeStrategy | Promise<TakeStrategy>;

  constructor(config: MysqlDriverConfig) {
    this.capabilities = config.capabilities;
    this.timeoutMs = config.timeoutMs;
    this.now = config.now;
    this.#pool = config.pool;
    this.#sql = config.statements;
    this.#closePool = config.closePool;
    this.#takeStrategy = config.takeStrategy;
  }

  /** The time left before the runtime's deadline, as mysql2's per-statement `timeout`. */
  #timeout(context: OperationContext | undefined): number {
    return context ? Math.max(1, context.deadline - this.now()) : this.timeoutMs;
  }

  /**
   * One statement on any pooled connection, over the text protocol (mysql2 escapes the values; Buffers become X'..').
   * Not `execute`: a prepared statement first waits for the server's answer to COM_STMT_PREPARE, so a command could be
   * held back by a lost answer to something else; with one packet per statement, what was sent is exactly the command.
   */
  async execute<T>(sql: string, values: unknown[], context: OperationContext | undefined): Promise<T> {
    const [result] = await this.#pool.query({ sql, timeout: this.#timeout(context) }, values);
    return result as T;
  }

  async read(collection: string, key: string, context: OperationContext): Promise<Uint8Array | undefined> {
    const rows = await this.execute<Row[]>(this.#sql.get, [utf8(collection), utf8(key), context.now], context);
    return rows[0] ? blob(rows[0].value) : undefined;
  }

  async write(
    collection: string,
    key: string,
    record: DriverRecord,
    condition: WriteCondition,
    context: OperationContext,
  ): Promise<boolean> {
    const bytes = asBuffer(record.bytes);
    const expiresAt = record.expiresAt ?? null;
    switch (condition.kind) {
      case 'none':
        await this.execute(this.#sql.set, [utf8(collection), utf8(key), bytes, expiresAt], context);
        return true;
      case 'absent':
        return this.#create(collection, key, bytes, expiresAt, context);
      case 'version': {
        const { affectedRows } = await this.execute<ResultHeader>(
          this.#sql.setIfVersion,
          [bytes, expiresAt, utf8(collection), utf8(key), context.now, asBuffer(condition.versionBytes)],
          context,
        );
        // The new value carries a fresh version, so a matched row is always a changed row, whatever the flags.
        return affectedRows === 1;
      }
    }
  }

  /**
   * Conditional create as plain INSERTs, whatever the connection's FOUND_ROWS flag: INSERT; on a duplicate, delete the
   * row only if it has expired (unobservable: an expired entry is absent) and INSERT once more. Not INSERT ... ON
   * DUPLICATE KEY UPDATE col = IF(expired, new, old): racing takes, that statement wrote a just-taken row back on
   * MariaDB 10.11 (the soak received one authorization code's grant twice).
   */
  async #create(
    collection: string,
    key: string,
    bytes: Buffer,
    expiresAt: number | null,
    context: OperationContext,
  ): Promise<boolean> {
    return this.#retryingDeadlocks(context, async () => {
      if (await this.#insert(collection, key, bytes, expiresAt, context)) return true;
      const { affectedRows } = await this.execute<ResultHeader>(
        this.#sql.deleteExpired,
        [utf8(collection), utf8(key), context.now],
        context,
      );
      return affectedRows === 1 && (await this.#insert(collection, key, bytes, expiresAt, context));
    });
  }

  /**
   * Runs a mutation again when InnoDB picked it as a deadlock victim (inserts and deletes of one key racing across
   * connections do deadlock): the victim's statement or transaction was rolled back, so it certainly did nothing, and
   * the caller would only have had to retry it. Until the operation's deadline, after a short random pause that
   * grows with each attempt, so the racers stop meeting in the same order.
   */
  async #retryingDeadlocks<T>(context: OperationContext, mutation: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await mutation();
      } catch (error) {
        const pauseMs = Math.random() * Math.min(attempt, 10) * DEADLOCK_PAUSE_MS;
        if (!isDeadlock(error) || this.now() + pauseMs >= context.deadline || context.signal.aborted) throw error;
        await new Promise((resolve) => setTimeout(resolve, pauseMs));
      }
    }
  }

  /** One INSERT: true when it inserted, false when a row with that key exists (ER_DUP_ENTRY). */
  async #insert(
    collection: string,
    key: string,
    bytes: Buffer,
    expiresAt: number | null,
    context: OperationContext,
  ): Promise<boolean> {
    try {
      await this.execute(this.#sql.insert, [utf8(collection), utf8(key), bytes, expiresAt], context);
      return true;
    } catch (error) {
      if (isDuplicateKey(error)) return false;
      throw error;
    }
  }

  async remove(
    collection: string,
    key: string,
    condition: Exclude<WriteCondition, { kind: 'absent' }>,
    context: OperationContext,
  ): Promise<boolean> {
    const { affectedRows } = await this.#retryingDeadlocks(context, () =>
      condition.kind === 'version'
        ? this.execute<ResultHeader>(
            this.#sql.deleteLiveIfVersion,
            [utf8(collection), utf8(key), context.now, asBuffer(condition.versionBytes)],
            context,
          )
        : this.execute<ResultHeader>(this.#sql.deleteLive, [utf8(collection), utf8(key), context.now], context),
    );
    return affectedRows === 1;
  }

  async take(collection: string, key: string, context: OperationContext): Promise<Uint8Array | undefined> {
    const strategy = await this.#strategy(context);
    return this.#retryingDeadlocks(context, () =>
      strategy === 'delete-returning'
        ? this.#takeReturning(collection, key, context)
        : this.#takeLockingRead(collection, key, context),
    );
  }

  /** The take strategy to use; `auto` asks the server once which one it is. */
  async #strategy(context: OperationContext): Promise<TakeStrategy> {
    if (this.#takeStrategy === 'auto') {
      this.#takeStrategy = this.execute<Row[]>('SELECT VERSION() AS version', [], context).then(
        (rows) => {
          const strategy = /mariadb/i.test(String(rows[0]?.version)) ? 'delete-returning' : 'locking-read';
          this.#takeStrategy = strategy;
          return strategy;
        },
        (error) => {
          this.#takeStrategy = 'auto'; // ask again next time
          throw error;
        },
      );
    }
    return this.#takeStrategy;
  }

  /** MariaDB: one `DELETE ... RETURNING`. A concurrent second DELETE waits for the row lock, then finds nothing. */
  async #takeReturning(collection: string, key: string, context: OperationContext): Promise<Uint8Array | undefined> {
    const rows = await this.execute<Row[]>(
      this.#sql.takeReturning,
      [utf8(collection), utf8(key), context.now],
      context,
    );
    const row = rows[0];
    return row && Number(row.live) === 1 ? blob(row.value) : undefined;
  }

  /**
   * MySQL 8: `SELECT ... FOR UPDATE` locks the live row (a second taker blocks on the lock, then reads the committed
   * state: nothing), `DELETE`, `COMMIT`, all on one connection. Any failure destroys the connection, so the server
   * rolls the transaction back; a deadline that passed before the commit rolls back instead of committing late.
   */
  async #takeLockingRead(collection: string, key: string, context: OperationContext): Promise<Uint8Array | undefined> {
    const connection = await this.#pool.getConnection();
    let clean = false;
    try {
      const timeout = () => this.#timeout(context);
      await connection.query({ sql: 'START TRANSACTION', timeout: timeout() });
      const [rows] = (await connection.query({ sql: this.#sql.selectForUpdate, timeout: timeout() }, [
        utf8(collection),
        utf8(key),
        context.now,
      ])) as [Row[], unknown];
      const row = rows[0];
      if (row) await connection.query({ sql: this.#sql.deleteAny, timeout: timeout() }, [utf8(collection), utf8(key)]);
      if (context.signal.aborted) throw context.signal.reason;
      await connection.query({ sql: row ? 'COMMIT' : 'ROLLBACK', timeout: timeout() });
      clean = true;
      return row ? blob(row.value) : undefined;
    } finally {
      if (clean) connection.release();
      else connection.destroy();
    }
  }

  async list(
    collection: string,
    page: { cursor: string | undefined; limit: number },
    context: OperationContext,
  ): Promise<ListPage> {
    const { cursor, limit } = page;
    // One extra row tells whether another page exists. The limit is a validated integer, inlined.
    const rows =
      cursor === undefined
        ? await this.execute<Row[]>(`${this.#sql.listFirst}${limit + 1}`, [utf8(collection), context.now], context)
        : await this.execute<Row[]>(
            `${this.#sql.listAfter}${limit + 1}`,
            [utf8(collection), decodeCursor(cursor), context.now],
            context,
          );
    const keys: string[] = [];
    let last: Uint8Array | undefined;
    for (const row of rows.slice(0, limit)) {
      last = blob(row.key);
      keys.push(asBuffer(last).toString('utf8'));
    }
    return rows.length > limit && last ? { keys, cursor: encodeCursor(last) } : { keys };
  }

  async close(): Promise<void> {
    if (this.#closePool) await this.#pool.end();
  }

  mapError(error: unknown, operation: StoreOperation): OAuthStoreError {
    return mapMysqlError(error, operation);
  }

  notApplied(error: unknown): boolean {
    return mysqlNotApplied(error);
  }
}
