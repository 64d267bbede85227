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
import { mapSqliteError, sqliteNotApplied } from './map-error';
import type { SqliteClientLike, SqliteValue } from './sqlite-client';
import type { Statements } from './statements';

/** What {@link SqliteDriver} needs; {@link SqliteStore} validates the user's options into it. */
export interface SqliteDriverConfig {
  client: SqliteClientLike;
  statements: Statements;
  capabilities: StoreCapabilities;
  timeoutMs: number;
  now: () => number;
  closeClient: boolean;
}

type Row = Record<string, SqliteValue>;

function utf8(text: string): Uint8Array {
  return Buffer.from(text, 'utf8');
}

/** A BLOB column as bytes (libSQL returns ArrayBuffer). No copy: the runtime copies the value it hands out. */
function blob(value: SqliteValue | undefined): Uint8Array {
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  if (value instanceof Uint8Array) return value;
  throw new ConfigurationError('a BLOB column did not come back as bytes; use a table created by migrate().', {
    source: 'sqlite',
  });
}

function isTrue(value: SqliteValue | undefined): boolean {
  return value === 1 || value === 1n;
}

/**
 * The SQLite {@link StoreDriver}: one statement per operation. SQLite runs each writing statement under the
 * database's one write lock, taken before the statement reads, so a take (`DELETE ... RETURNING`), a conditional
 * create (upsert `... WHERE expired`) and a compare-and-set (`UPDATE ... WHERE substr(value, 10, 16) = ?`) are each
 * atomic across connections and processes. Expiry is judged by the application clock, passed to every statement.
 */
export class SqliteDriver implements StoreDriver {
  readonly capabilities: StoreCapabilities;
  readonly timeoutMs: number;
  readonly now: () => number;
  readonly #client: SqliteClientLike;
  readonly #sql: Statements;
  readonly #closeClient: boolean;

  constructor(config: SqliteDriverConfig) {
    this.capabilities = config.capabilities;
    this.timeoutMs = config.timeoutMs;
    this.now = config.now;
    this.#client = config.client;
    this.#sql = config.statements;
    this.#closeClient = config.closeClient;
  }

  /** One statement; resolves its rows. */
  async run(sql: string, args: SqliteValue[]): Promise<ArrayLike<Row>> {
    return (await this.#client.execute({ sql, args })).rows;
  }

  async read(collection: string, key: string, context: OperationContext): Promise<Uint8Array | undefined> {
    const rows = await this.run(this.#sql.get, [utf8(collection), utf8(key), context.now]);
    return rows.length > 0 ? blob(rows[0]?.value) : undefined;
  }

  async write(
    collection: string,
    key: string,
    record: DriverRecord,
    condition: WriteCondition,
    context: OperationContext,
  ): Promise<boolean> {
    const bytes = record.bytes;
    const expiresAt = record.expiresAt ?? null;
    switch (condition.kind) {
      case 'none':
        await this.run(this.#sql.set, [utf8(collection), utf8(key), bytes, expiresAt]);
        return true;
      case 'absent':
        return (
          (await this.run(this.#sql.setIfAbsent, [utf8(collection), utf8(key), bytes, expiresAt, context.now]))
            .length === 1
        );
      case 'version':
        return (
          (
            await this.run(this.#sql.setIfVersion, [
              bytes,
              expiresAt,
              utf8(collection),
              utf8(key),
              context.now,
              condition.versionBytes,
            ])
          ).length === 1
        );
    }
  }

  async remove(
    collection: string,
    key: string,
    condition: Exclude<WriteCondition, { kind: 'absent' }>,
    context: OperationContext,
  ): Promise<boolean> {
    const rows =
      condition.kind === 'version'
        ? await this.run(this.#sql.deleteIfVersion, [utf8(collection), utf8(key), condition.versionBytes, context.now])
        : await this.run(this.#sql.delete, [utf8(collection), utf8(key), context.now]);
    return rows.length > 0 && isTrue(rows[0]?.live);
  }

  async take(collection: string, key: string, context: OperationContext): Promise<Uint8Array | undefined> {
    const rows = await this.run(this.#sql.take, [utf8(collection), utf8(key), context.now]);
    const row = rows[0];
    return row && isTrue(row.live) ? blob(row.value) : undefined;
  }

  async list(
    collection: string,
    page: { cursor: string | undefined; limit: number },
    context: OperationContext,
  ): Promise<ListPage> {
    const { cursor, limit } = page;
    const rows =
      cursor === undefined
        ? await this.run(this.#sql.listFirst, [utf8(collection), context.now, limit + 1])
        : await this.run(this.#sql.listAfter, [utf8(collection), decodeCursor(cursor), context.now, limit + 1]);
    const keys: string[] = [];
    let last: Uint8Array | undefined;
    for (let i = 0; i < Math.min(rows.length, limit); i++) {
      last = blob(rows[i]?.key);
      keys.push(Buffer.from(last.buffer, last.byteOffset, last.byteLength).toString('utf8'));
    }
    return rows.length > limit && last ? { keys, cursor: encodeCursor(last) } : { keys };
  }

  async close(): Promise<void> {
    if (this.#closeClient) this.#client.close();
  }

  mapError(error: unknown, operation: StoreOperation): OAuthStoreError {
    return mapSqliteError(error, operation);
  }

  notApplied(error: unknown): boolean {
    return sqliteNotApplied(error);
  }
}
