import type { DynamoDBClient, DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { ConfigurationError, integerOption } from '@oauth-store/core';
import { parseDynamoDbUrl } from './connection-url';
import { SOURCE } from './errors';
import { DEFAULT_LIST_SHARDS, MAX_LIST_SHARDS } from './layout';

/** Options for {@link DynamoDbStore} and {@link createDynamoDbStore}. */
export interface DynamoDbStoreOptions {
  /**
   * A `dynamodb://[endpoint-host:port]?table=NAME&region=&tls=&timeout=` connection string (the CLI's grammar): the
   * table, endpoint, region and timeout in one string. Give either `url` or `tableName`. `clientConfig` fields
   * override what the url implies.
   */
  url?: string;
  /** The table, laid out as {@link createTable} creates it (see the README for CloudFormation and Terraform). */
  tableName?: string;
  /**
   * A client to use. The store does not destroy it on `close()`. Its read retries are yours; writes, deletes and takes
   * are never resent by the SDK whatever its retry settings (see the README), and `timeoutMs` bounds every operation.
   */
  client?: DynamoDBClient;
  /** Configuration for the client the store creates when `client` is absent (region, credentials, endpoint, ...). */
  clientConfig?: DynamoDBClientConfig;
  /**
   * Number of list-index shards each collection's index entries spread over. More shards take more write traffic per
   * collection and cost more `list` queries. Part of the data layout: every writer and reader of a table must use the
   * same number, and changing it hides existing entries from `list` (not from get/take). Default 8.
   */
  listShards?: number;
  /**
   * Connection timeout, and per-attempt timeout of reads (which the SDK retries), in milliseconds, for the client the
   * store creates. A write, delete or take has one attempt, which may use the operation's whole remaining `timeoutMs`.
   * Ignored when `client` is given or `clientConfig.requestHandler` is set. Default 3000.
   */
  requestTimeoutMs?: number;
  /**
   * Upper bound in milliseconds on a whole operation, read retries included; the operation is then aborted and rejects
   * `unavailable` (with `outcomeUnknown` for a write, delete or take). Default 10000.
   */
  timeoutMs?: number;
  /** @deprecated The former name of {@link DynamoDbStoreOptions.timeoutMs}. */
  operationTimeoutMs?: number;
}

/** {@link DynamoDbStoreOptions} with defaults applied and checked. */
export interface ResolvedOptions {
  tableName: string;
  listShards: number;
  requestTimeoutMs: number;
  timeoutMs: number;
  /** The client configuration from `url` and `clientConfig` (undefined when a client was given). */
  clientConfig: DynamoDBClientConfig | undefined;
}

/** Default per-attempt HTTP timeout. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 3_000;
/** Default bound on a whole operation. */
export const DEFAULT_TIMEOUT_MS = 10_000;

/** Throws {@link ConfigurationError} unless `tableName` is a valid DynamoDB table name. */
export function assertTableName(tableName: unknown): asserts tableName is string {
  if (typeof tableName !== 'string' || !/^[A-Za-z0-9_.-]{3,255}$/.test(tableName)) {
    throw new ConfigurationError(
      'tableName must be a DynamoDB table name: 3 to 255 characters from A-Z, a-z, 0-9, "_", "-" and ".".',
      { source: SOURCE },
    );
  }
}

/** An integer option of at least 1 (core's check, with this package as the error's source). */
function positiveInteger(name: string, value: unknown, fallback: number, max = Number.MAX_SAFE_INTEGER): number {
  return integerOption(SOURCE, name, value, fallback, { max });
}

/** Checks the options and fills in defaults. */
export function resolveOptions(options: DynamoDbStoreOptions): ResolvedOptions {
  if (typeof options !== 'object' || options === null) {
    throw new ConfigurationError('options must be an object with url or tableName.', { source: SOURCE });
  }
  if (options.client !== undefined && options.clientConfig !== undefined) {
    throw new ConfigurationError('give either client or clientConfig, not both.', { source: SOURCE });
  }
  if (options.timeoutMs !== undefined && options.operationTimeoutMs !== undefined) {
    throw new ConfigurationError('give timeoutMs only (operationTimeoutMs is its former name).', { source: SOURCE });
  }
  let tableName = options.tableName;
  let clientConfig = options.clientConfig;
  let urlTimeoutMs: number | undefined;
  if (options.url !== undefined) {
    if (tableName !== undefined) {
      throw new ConfigurationError('give either url (with ?table=) or tableName, not both.', { source: SOURCE });
    }
    const parsed = parseDynamoDbUrl(options.url);
    tableName = parsed.tableName;
    urlTimeoutMs = parsed.timeoutMs;
    // With an injected client the url's endpoint and region are the client's business; only the table applies.
    clientConfig = options.client ? undefined : { ...parsed.clientConfig, ...options.clientConfig };
  }
  assertTableName(tableName);
  return {
    tableName,
    listShards: positiveInteger('listShards', options.listShards, DEFAULT_LIST_SHARDS, MAX_LIST_SHARDS),
    requestTimeoutMs: positiveInteger('requestTimeoutMs', options.requestTimeoutMs, DEFAULT_REQUEST_TIMEOUT_MS),
    timeoutMs: positiveInteger(
      'timeoutMs',
      options.timeoutMs ?? options.operationTimeoutMs,
      urlTimeoutMs ?? DEFAULT_TIMEOUT_MS,
    ),
    clientConfig: options.client ? undefined : (clientConfig ?? {}),
  };
}
