/** A value of a result row as @libsql/client returns it (BLOBs arrive as ArrayBuffer). */
export type SqliteValue = null | string | number | bigint | ArrayBuffer | Uint8Array;

/** The part of an `@libsql/client` Client the store uses (structural, so any 0.x client fits). */
export interface SqliteClientLike {
  execute(statement: { sql: string; args: SqliteValue[] }): Promise<{ rows: ArrayLike<Record<string, SqliteValue>> }>;
  /** Runs statements in one transaction (`write`: BEGIN IMMEDIATE, so concurrent migrations take turns). */
  batch(
    statements: Array<{ sql: string; args: SqliteValue[] }>,
    mode?: 'write' | 'read' | 'deferred',
  ): Promise<unknown>;
  close(): void;
  /** `file` for a local database, `http`/`ws` for a remote one (Turso, sqld). */
  readonly protocol?: string;
}
