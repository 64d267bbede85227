import { ConfigurationError, utf8Length } from '@oauth-store/core';

/** PostgreSQL silently truncates identifiers longer than NAMEDATALEN - 1 bytes; we refuse them instead. */
export const MAX_IDENTIFIER_BYTES = 63;

/**
 * Checks a schema, table or index name and returns it double-quoted for SQL. Any character is allowed except NUL
 * (PostgreSQL cannot hold it), because quoting makes the name inert: embedded double quotes are doubled, so the name
 * can never end the identifier and inject SQL.
 */
export function quoteIdentifier(kind: string, name: unknown): string {
  if (typeof name !== 'string' || name.length === 0) {
    throw new ConfigurationError(`the ${kind} name must be a non-empty string.`, { source: 'postgres' });
  }
  if (name.includes('\u0000')) {
    throw new ConfigurationError(`the ${kind} name contains a NUL character, which PostgreSQL cannot store.`, {
      source: 'postgres',
    });
  }
  if (!name.isWellFormed()) {
    throw new ConfigurationError(`the ${kind} name contains a lone UTF-16 surrogate; use valid Unicode.`, {
      source: 'postgres',
    });
  }
  const bytes = utf8Length(name);
  if (bytes > MAX_IDENTIFIER_BYTES) {
    throw new ConfigurationError(
      `the ${kind} name is ${bytes} UTF-8 bytes; PostgreSQL identifiers hold at most ${MAX_IDENTIFIER_BYTES} (longer ones are silently truncated). Choose a shorter name.`,
      { source: 'postgres' },
    );
  }
  return `"${name.replaceAll('"', '""')}"`;
}

/** Quoted names the store's SQL uses. */
export interface TableNames {
  /** `"schema"."table"`. */
  qualifiedTable: string;
  /** `"schema"`. */
  schema: string;
  /** The unquoted schema name, for catalog lookups. */
  schemaName: string;
  /** `"table_expires_at_idx"`, the sweeper's index (unqualified: an index lives in its table's schema). */
  expiresIndex: string;
}

/** Validates and quotes the configured schema and table names. */
export function tableNames(schema: string, table: string): TableNames {
  const quotedSchema = quoteIdentifier('schema', schema);
  const quotedTable = quoteIdentifier('table', table);
  // Derived, so its length is checked with a message that names the table option.
  const indexName = `${table}_expires_at_idx`;
  if (utf8Length(indexName) > MAX_IDENTIFIER_BYTES) {
    throw new ConfigurationError(
      `the table name is too long: its index name "<table>_expires_at_idx" must fit in ${MAX_IDENTIFIER_BYTES} UTF-8 bytes. Use a table name of at most ${MAX_IDENTIFIER_BYTES - utf8Length('_expires_at_idx')} bytes.`,
      { source: 'postgres' },
    );
  }
  return {
    qualifiedTable: `${quotedSchema}.${quotedTable}`,
    schema: quotedSchema,
    schemaName: schema,
    expiresIndex: quoteIdentifier('index', indexName),
  };
}
