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
  foundRows: boolean;
  beforeClose: () => Promise<void>;
  closePool: boolean;
}

interface ResultHeader {
  affectedRows: number;
}

type Row = Record<string, unknown>;

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
  readonly #foundRows: boolean;
  readonly #beforeClose: () => Promise<void>;
  readonly #closePool: boolean;
  #takeStrategy: TakeStrategy | Promise<TakeStrategy>;

  constructor(config: MysqlDriverConfig) {
    this.capabilities = config.capabilities;
    this.timeoutMs = config.timeoutMs;
    this.now = config.now;
    this.#pool = config.pool;
    this.#sql = config.statements;
    this.#foundRows = config.foundRows;
    this.#beforeClose = config.beforeClose;
    this.#closePool = config.closePool;
    this.#takeStrategy = config.takeStrategy;
  }

  /** The time left before the runtime's deadline, as mysql2's per-statement `timeout`. */
  #timeout(context: OperationContext | undefined): number {
    return context ? Math.max(1, context.deadline - this.now()) : this.timeoutMs;
  }

  /** One prepared statement on any pooled connection. */
  async execute<T>(sql: string, values: unknown[], context: OperationContext | undefined): Promise<T> {
    const [result] = await this.#pool.execute({ sql, timeout: this.#timeout(context) }, values);
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
      case 'absent': {
        const { affectedRows } = await this.execute<ResultHeader>(
          this.#sql.setIfAbsent,
          [utf8(collection), utf8(key), bytes, expiresAt, context.now, context.now],
          context,
        );
        // 1 inserted, 2 an expired row replaced, 0 a live row kept. With FOUND_ROWS a kept row also counts 1: then 1 is
        // ambiguous, and false makes the runtime re-read and recognise its own version if the insert was ours.
        return affectedRows === 2 || (affectedRows === 1 && !this.#foundRows);
      }
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

  async remove(
    collection: string,
    key: string,
    condition: Exclude<WriteCondition, { kind: 'absent' }>,
    context: OperationContext,
  ): Promise<boolean> {
    const { affectedRows } =
      condition.kind === 'version'
        ? await this.execute<ResultHeader>(
            this.#sql.deleteLiveIfVersion,
            [utf8(collection), utf8(key), context.now, asBuffer(condition.versionBytes)],
            context,
          )
        : await this.execute<ResultHeader>(this.#sql.deleteLive, [utf8(collection), utf8(key), context.now], context);
    return affectedRows === 1;
  }

  async take(collection: string, key: string, context: OperationContext): Promise<Uint8Array | undefined> {
    const strategy = await this.#strategy(context);
    return strategy === 'delete-returning'
      ? this.#takeReturning(collection, key, context)
      : this.#takeLockingRead(collection, key, context);
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
      const [rows] = (await connection.execute({ sql: this.#sql.selectForUpdate, timeout: timeout() }, [
        utf8(collection),
        utf8(key),
        context.now,
      ])) as [Row[], unknown];
      const row = rows[0];
      if (row)
        await connection.execute({ sql: this.#sql.deleteAny, timeout: timeout() }, [utf8(collection), utf8(key)]);
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
    // One extra row tells whether another page exists. The limit is a validated integer, inlined because MySQL 8
    // refuses a LIMIT placeholder bound as the DOUBLE mysql2 sends for numbers.
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
    await this.#beforeClose();
    if (this.#closePool) await this.#pool.end();
  }

  mapError(error: unknown, operation: StoreOperation): OAuthStoreError {
    return mapMysqlError(error, operation);
  }

  notApplied(error: unknown): boolean {
    return mysqlNotApplied(error);
  }
}
