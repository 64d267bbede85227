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
import { mapPostgresError, postgresNotApplied } from './map-error';
import type { SqlClient, SqlResult } from './sql-client';
import type { Statements } from './statements';

/** What {@link PostgresDriver} needs; {@link PostgresStore} validates the user's options into it. */
export interface PostgresDriverConfig {
  client: SqlClient;
  statements: Statements;
  capabilities: StoreCapabilities;
  timeoutMs: number;
  now: () => number;
  closeClient: boolean;
}

function utf8(text: string): Buffer {
  return Buffer.from(text, 'utf8');
}

/** Collections a driver remembers encoded: an application uses a handful, and encoding one costs a Buffer per call. */
const COLLECTION_CACHE_SIZE = 64;

/** The bytea column as bytes. No copy: the runtime copies the value it hands to the caller out of the frame. */
function columnBytes(value: unknown): Uint8Array {
  if (!(value instanceof Uint8Array)) {
    throw new ConfigurationError('a bytea column did not come back as bytes; use a table created by migrate().', {
      source: 'postgres',
    });
  }
  return value;
}

/** A view of a Uint8Array as a Buffer without copying (pg sends Buffers as bytea). */
function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/**
 * The PostgreSQL {@link StoreDriver}: one self-contained statement per operation, so any connection of a pool may run
 * it and every condition is evaluated atomically by PostgreSQL. Expiry is judged by the application clock (`now`,
 * passed as a parameter), the same clock the runtime filters with.
 */
export class PostgresDriver implements StoreDriver {
  readonly capabilities: StoreCapabilities;
  readonly timeoutMs: number;
  readonly now: () => number;
  readonly #client: SqlClient;
  readonly #sql: Statements;
  readonly #closeClient: boolean;
  readonly #collections = new Map<string, Buffer>();

  constructor(config: PostgresDriverConfig) {
    this.capabilities = config.capabilities;
    this.timeoutMs = config.timeoutMs;
    this.now = config.now;
    this.#client = config.client;
    this.#sql = config.statements;
    this.#closeClient = config.closeClient;
  }

  /**
   * One statement. pg gets the time left as its client-side `query_timeout`: when it fires, pg-pool destroys the
   * connection instead of reusing it, and a statement not yet sent (still waiting for a connection) is never sent.
   */
  query(text: string, params: readonly unknown[], context: OperationContext | undefined): Promise<SqlResult> {
    const timeoutMs = context ? Math.max(1, context.deadline - this.now()) : this.timeoutMs;
    return this.#client.query(text, params, { timeoutMs });
  }

  /**
   * The collection's UTF-8 bytes, shared between statements (pg only reads parameters). Bounded: past the limit, new
   * collections are encoded per call.
   */
  #collection(collection: string): Buffer {
    let bytes = this.#collections.get(collection);
    if (bytes === undefined) {
      bytes = utf8(collection);
      if (this.#collections.size < COLLECTION_CACHE_SIZE) this.#collections.set(collection, bytes);
    }
    return bytes;
  }

  async read(collection: string, key: string, context: OperationContext): Promise<Uint8Array | undefined> {
    const { rows } = await this.query(this.#sql.get, [this.#collection(collection), utf8(key), context.now], context);
    return rows[0] ? columnBytes(rows[0].value) : undefined;
  }

  async write(
    collection: string,
    key: string,
    record: DriverRecord,
    condition: WriteCondition,
    context: OperationContext,
  ): Promise<boolean> {
    const name = this.#collection(collection);
    const value = asBuffer(record.bytes);
    const expiresAt = record.expiresAt ?? null;
    switch (condition.kind) {
      case 'none':
        await this.query(this.#sql.set, [name, utf8(key), value, expiresAt], context);
        return true;
      case 'absent': {
        const params = [name, utf8(key), value, expiresAt, context.now];
        const { rows } = await this.query(this.#sql.setIfAbsent, params, context);
        return rows.length === 1;
      }
      case 'version': {
        const params = [name, utf8(key), value, expiresAt, context.now, asBuffer(condition.versionBytes)];
        const { rows } = await this.query(this.#sql.setIfVersion, params, context);
        return rows.length === 1;
      }
    }
  }

  async remove(
    collection: string,
    key: string,
    condition: Exclude<WriteCondition, { kind: 'absent' }>,
    context: OperationContext,
  ): Promise<boolean> {
    const { rows } =
      condition.kind === 'version'
        ? await this.query(
            this.#sql.deleteIfVersion,
            [this.#collection(collection), utf8(key), context.now, asBuffer(condition.versionBytes)],
            context,
          )
        : await this.query(this.#sql.delete, [this.#collection(collection), utf8(key), context.now], context);
    return rows[0]?.live === true;
  }

  async take(collection: string, key: string, context: OperationContext): Promise<Uint8Array | undefined> {
    const { rows } = await this.query(this.#sql.take, [this.#collection(collection), utf8(key), context.now], context);
    const row = rows[0];
    return row && row.live === true ? columnBytes(row.value) : undefined;
  }

  async list(
    collection: string,
    page: { cursor: string | undefined; limit: number },
    context: OperationContext,
  ): Promise<ListPage> {
    const { cursor, limit } = page;
    // One extra row tells whether another page exists without a second query.
    const base = [this.#collection(collection), context.now, limit + 1];
    const { rows } =
      cursor === undefined
        ? await this.query(this.#sql.listFirst, base, context)
        : await this.query(this.#sql.listAfter, [...base, decodeCursor(cursor)], context);
    const keys: string[] = [];
    let last: Uint8Array | undefined;
    for (const row of rows.slice(0, limit)) {
      last = row.key as Uint8Array;
      keys.push(asBuffer(last).toString('utf8'));
    }
    return rows.length > limit && last ? { keys, cursor: encodeCursor(last) } : { keys };
  }

  async close(): Promise<void> {
    if (this.#closeClient) await this.#client.end?.();
  }

  mapError(error: unknown, operation: StoreOperation): OAuthStoreError {
    return mapPostgresError(error, operation);
  }

  notApplied(error: unknown): boolean {
    return postgresNotApplied(error);
  }
}
