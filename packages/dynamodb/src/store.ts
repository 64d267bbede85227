import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { isOAuthStoreError, RuntimeStore, StoreClosedError } from '@oauth-store/core';
import { DynamoDbDriver } from './driver';
import { isRegionMissing, mapDynamoDbError, missingRegionError, SOURCE } from './errors';
import { PARTITION_KEY } from './layout';
import { type DynamoDbStoreOptions, resolveOptions } from './options';

/** The partition key `ready()` reads: collection "" and key "", which no entry can have (core rejects empty names). */
const PROBE_KEY = new Uint8Array([0, 0]);

/**
 * A `ByteStore` on Amazon DynamoDB: one item per entry, strongly consistent reads, condition expressions for
 * `onlyIfAbsent`, compare-and-set (`ifVersion`) and `take`, DynamoDB TTL for cleanup plus the runtime's millisecond
 * expiry, and a sharded global secondary index for `list`. Built on core's adapter runtime; see the README for the
 * table layout, what `list` guarantees, and why the SDK never resends a write.
 */
export class DynamoDbStore extends RuntimeStore {
  readonly #client: DynamoDBClient;
  readonly #tableName: string;
  readonly #timeoutMs: number;

  constructor(options: DynamoDbStoreOptions) {
    const resolved = resolveOptions(options);
    const client =
      options.client ??
      new DynamoDBClient({
        ...resolved.clientConfig,
        requestHandler: resolved.clientConfig?.requestHandler ?? {
          connectionTimeout: resolved.requestTimeoutMs,
          requestTimeout: resolved.requestTimeoutMs,
          // Without this, recent SDK versions only log a warning when requestTimeout passes and keep waiting.
          throwOnRequestTimeout: true,
        },
      });
    super(new DynamoDbDriver(client, options.client === undefined, resolved));
    this.#client = client;
    this.#tableName = resolved.tableName;
    this.#timeoutMs = resolved.timeoutMs;
  }

  /**
   * Checks the configuration against DynamoDB: a region is configured (otherwise a `configuration` error naming the
   * missing region, not a retriable `unavailable`), the credentials are accepted and the table exists (one `GetItem`
   * of a key no entry can have). Resolves when the store can serve; rejects with a typed error saying what to fix.
   */
  async ready(): Promise<void> {
    if (this.closed) throw new StoreClosedError('ready called after close(). Create a new store.', { source: SOURCE });
    try {
      await this.#client.config.region();
    } catch (error) {
      if (isRegionMissing(error)) throw missingRegionError();
      throw mapDynamoDbError(error, 'ready', this.#tableName);
    }
    try {
      await this.#client.send(
        new GetItemCommand({
          TableName: this.#tableName,
          Key: { [PARTITION_KEY]: { B: PROBE_KEY } },
          ProjectionExpression: '#pk',
          ExpressionAttributeNames: { '#pk': PARTITION_KEY },
        }),
        { abortSignal: AbortSignal.timeout(this.#timeoutMs) },
      );
    } catch (error) {
      throw isOAuthStoreError(error) ? error : mapDynamoDbError(error, 'ready', this.#tableName);
    }
  }
}

/**
 * Creates a {@link DynamoDbStore} from options, `url` (`dynamodb://[host:port]?table=&region=`) or `tableName`.
 * Call `await store.ready()` to check the region, credentials and table before serving.
 */
export function createDynamoDbStore(options: DynamoDbStoreOptions): DynamoDbStore {
  return new DynamoDbStore(options);
}
