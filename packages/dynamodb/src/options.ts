import type { DynamoDBClient, DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { ConfigurationError } from '@oauth-store/core';
import { SOURCE } from './errors';
import { DEFAULT_LIST_SHARDS, MAX_LIST_SHARDS } from './layout';

/** Options for {@link DynamoDbStore}. */
export interface DynamoDbStoreOptions {
  /** The table, laid out as {@link createTable} creates it (see the README for CloudFormation and Terraform). */
  tableName: string;
  /**
   * A client to use. The store does not destroy it on `close()`, and its timeouts and retries are yours to set
   * (`operationTimeoutMs` still bounds every operation).
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
   * Per-attempt HTTP timeout in milliseconds for the client the store creates (connection and response).
   * Ignored when `client` is given or `clientConfig.requestHandler` is set. Default 3000.
   */
  requestTimeoutMs?: number;
  /** Upper bound in milliseconds on a whole operation, retries included; it is then aborted. Default 10000. */
  operationTimeoutMs?: number;
}

/** {@link DynamoDbStoreOptions} with defaults applied and checked. */
export interface ResolvedOptions {
  tableName: string;
  listShards: number;
  requestTimeoutMs: number;
  operationTimeoutMs: number;
}

/** Default per-attempt HTTP timeout. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 3_000;
/** Default bound on a whole operation. */
export const DEFAULT_OPERATION_TIMEOUT_MS = 10_000;

/** Throws {@link ConfigurationError} unless `tableName` is a valid DynamoDB table name. */
export function assertTableName(tableName: unknown): asserts tableName is string {
  if (typeof tableName !== 'string' || !/^[A-Za-z0-9_.-]{3,255}$/.test(tableName)) {
    throw new ConfigurationError(
      'tableName must be a DynamoDB table name: 3 to 255 characters from A-Z, a-z, 0-9, "_", "-" and ".".',
      { source: SOURCE },
    );
  }
}

function positiveInteger(name: string, value: unknown, fallback: number, max = Number.MAX_SAFE_INTEGER): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1 || value > max) {
    throw new ConfigurationError(`${name} must be an integer from 1 to ${max}, got ${String(value)}.`, {
      source: SOURCE,
    });
  }
  return value;
}

/** Checks the options and fills in defaults. */
export function resolveOptions(options: DynamoDbStoreOptions): ResolvedOptions {
  if (typeof options !== 'object' || options === null) {
    throw new ConfigurationError('options must be an object with at least tableName.', { source: SOURCE });
  }
  assertTableName(options.tableName);
  return {
    tableName: options.tableName,
    listShards: positiveInteger('listShards', options.listShards, DEFAULT_LIST_SHARDS, MAX_LIST_SHARDS),
    requestTimeoutMs: positiveInteger('requestTimeoutMs', options.requestTimeoutMs, DEFAULT_REQUEST_TIMEOUT_MS),
    operationTimeoutMs: positiveInteger('operationTimeoutMs', options.operationTimeoutMs, DEFAULT_OPERATION_TIMEOUT_MS),
  };
}
