import {
  type AttributeValue,
  DeleteItemCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
} from '@aws-sdk/client-dynamodb';
import {
  type ByteStore,
  DriverStore,
  expiresAtFor,
  isExpired,
  type ListPage,
  type SetOptions,
  type StoreCapabilities,
} from '@oauth-store/core';
import { decodeCursor, encodeCursor, type ListPosition } from './cursor';
import { isConditionalCheckFailed, mapDynamoDbError, SOURCE } from './errors';
import {
  EXPIRES_AT_ATTRIBUTE,
  fromUtf8,
  LIST_INDEX_NAME,
  LIST_PARTITION_KEY,
  LIST_SORT_KEY,
  listPartitionKey,
  MAX_COLLECTION_BYTES,
  MAX_KEY_BYTES,
  MAX_VALUE_BYTES,
  PARTITION_KEY,
  partitionKey,
  shardOf,
  TTL_ATTRIBUTE,
  ttlSeconds,
  utf8,
  VALUE_ATTRIBUTE,
} from './layout';
import { type DynamoDbStoreOptions, type ResolvedOptions, resolveOptions } from './options';

/** Placeholders for attribute names: `ttl` is a DynamoDB reserved word, so every name goes through one. */
const NAMES = {
  pk: { '#pk': PARTITION_KEY },
  exp: { '#exp': EXPIRES_AT_ATTRIBUTE },
} as const;

/** "The item exists and has not expired at :now". */
const LIVE = 'attribute_exists(#pk) AND (attribute_not_exists(#exp) OR #exp > :now)';
/** "No live item": absent, or present but past its expiry (DynamoDB's TTL deletion can lag by days). */
const ABSENT = 'attribute_not_exists(#pk) OR #exp <= :now';

/**
 * A {@link ByteStore} on Amazon DynamoDB: one item per entry, strongly consistent reads, conditional writes for
 * `onlyIfAbsent` and `take`, DynamoDB TTL for cleanup plus a millisecond expiry checked on every read, and a sharded
 * global secondary index for `list`. See the README for the table layout and what `list` guarantees.
 */
export class DynamoDbStore extends DriverStore {
  readonly #client: DynamoDBClient;
  readonly #ownsClient: boolean;
  readonly #options: ResolvedOptions;

  constructor(options: DynamoDbStoreOptions) {
    super();
    this.#options = resolveOptions(options);
    this.#ownsClient = options.client === undefined;
    this.#client =
      options.client ??
      new DynamoDBClient({
        ...options.clientConfig,
        requestHandler: options.clientConfig?.requestHandler ?? {
          connectionTimeout: this.#options.requestTimeoutMs,
          requestTimeout: this.#options.requestTimeoutMs,
          // Without this, recent SDK versions only log a warning when requestTimeout passes and keep waiting.
          throwOnRequestTimeout: true,
        },
      });
    const capabilities: StoreCapabilities = {
      name: SOURCE,
      maxKeyBytes: MAX_KEY_BYTES,
      maxCollectionBytes: MAX_COLLECTION_BYTES,
      maxValueBytes: MAX_VALUE_BYTES,
      nativeTtl: true,
      atomicTake: true,
      compareAndSet: false,
    };
    const { tableName } = this.#options;
    this.useDriver({
      capabilities,
      get: (collection, key) => this.#get(collection, key),
      set: (collection, key, value, setOptions) => this.#set(collection, key, value, setOptions),
      delete: async (collection, key) => (await this.#conditionalDelete(collection, key, false)) !== undefined,
      take: async (collection, key) => {
        const old = await this.#conditionalDelete(collection, key, true);
        return old?.[VALUE_ATTRIBUTE]?.B ?? (old ? new Uint8Array(0) : undefined);
      },
      list: (collection, listOptions) => this.#list(collection, listOptions),
      close: async () => {
        if (this.#ownsClient) this.#client.destroy();
      },
      mapError: (error, operation) => mapDynamoDbError(error, operation, tableName),
    });
  }

  /** Send options that abort the whole operation, retries included, after `operationTimeoutMs`. */
  #sendOptions() {
    return { abortSignal: AbortSignal.timeout(this.#options.operationTimeoutMs) };
  }

  #key(collection: string, key: string): Record<string, AttributeValue> {
    return { [PARTITION_KEY]: { B: partitionKey(utf8(collection), utf8(key)) } };
  }

  async #get(collection: string, key: string): Promise<Uint8Array | undefined> {
    const { Item } = await this.#client.send(
      new GetItemCommand({
        TableName: this.#options.tableName,
        Key: this.#key(collection, key),
        // Another instance may have written this entry a moment ago (a code issued by one pod, redeemed on another).
        ConsistentRead: true,
        ProjectionExpression: '#v, #exp',
        ExpressionAttributeNames: { '#v': VALUE_ATTRIBUTE, ...NAMES.exp },
      }),
      this.#sendOptions(),
    );
    if (!Item) return undefined;
    const expiresAt = Item[EXPIRES_AT_ATTRIBUTE]?.N;
    if (expiresAt !== undefined && isExpired(Number(expiresAt))) return undefined;
    return Item[VALUE_ATTRIBUTE]?.B ?? new Uint8Array(0);
  }

  async #set(collection: string, key: string, value: Uint8Array, options: SetOptions): Promise<boolean> {
    const now = Date.now();
    const keyBytes = utf8(key);
    const collectionBytes = utf8(collection);
    const expiresAt = expiresAtFor(options.ttlMs, now);
    const item: Record<string, AttributeValue> = {
      [PARTITION_KEY]: { B: partitionKey(collectionBytes, keyBytes) },
      [LIST_PARTITION_KEY]: { B: listPartitionKey(collectionBytes, shardOf(keyBytes, this.#options.listShards)) },
      [LIST_SORT_KEY]: { B: keyBytes },
      // A copy, so a caller reusing its buffer before the SDK serializes it cannot change what is stored.
      [VALUE_ATTRIBUTE]: { B: value.slice() },
    };
    if (expiresAt !== undefined) {
      item[EXPIRES_AT_ATTRIBUTE] = { N: String(expiresAt) };
      item[TTL_ATTRIBUTE] = { N: String(ttlSeconds(expiresAt)) };
    }
    try {
      await this.#client.send(
        new PutItemCommand({
          TableName: this.#options.tableName,
          Item: item,
          ...(options.onlyIfAbsent
            ? {
                ConditionExpression: ABSENT,
                ExpressionAttributeNames: { ...NAMES.pk, ...NAMES.exp },
                ExpressionAttributeValues: { ':now': { N: String(now) } },
              }
            : {}),
        }),
        this.#sendOptions(),
      );
      return true;
    } catch (error) {
      if (options.onlyIfAbsent && isConditionalCheckFailed(error)) return false;
      throw error;
    }
  }

  /**
   * Deletes the entry only if it is live. DynamoDB evaluates the condition and deletes as one step per item, so of
   * concurrent callers exactly one succeeds; the rest get ConditionalCheckFailed. An expired item is left for
   * DynamoDB's TTL deletion: it is already invisible. Returns the old item's attributes, or undefined if none was live.
   */
  async #conditionalDelete(
    collection: string,
    key: string,
    returnValue: boolean,
  ): Promise<Record<string, AttributeValue> | undefined> {
    try {
      const { Attributes } = await this.#client.send(
        new DeleteItemCommand({
          TableName: this.#options.tableName,
          Key: this.#key(collection, key),
          ConditionExpression: LIVE,
          ExpressionAttributeNames: { ...NAMES.pk, ...NAMES.exp },
          ExpressionAttributeValues: { ':now': { N: String(Date.now()) } },
          ReturnValues: returnValue ? 'ALL_OLD' : 'NONE',
        }),
        this.#sendOptions(),
      );
      return Attributes ?? {};
    } catch (error) {
      if (isConditionalCheckFailed(error)) return undefined;
      throw error;
    }
  }

  /**
   * Walks the collection's shards in order, each in key order, querying the list index with a filter on expiry.
   * The cursor is (shard, last key evaluated), so keys written or deleted between pages do not shift the others.
   * A page may hold fewer than `limit` keys (expired items are filtered after DynamoDB's limit); it stops after a
   * bounded number of queries so a run of expired items cannot make one call slow.
   */
  async #list(collection: string, { cursor, limit }: { cursor: string | undefined; limit: number }): Promise<ListPage> {
    const { listShards, tableName } = this.#options;
    const collectionBytes = utf8(collection);
    let position: ListPosition = cursor ? decodeCursor(cursor, listShards, SOURCE) : { shard: 0, after: undefined };
    const keys: string[] = [];
    const maxQueries = 2 * listShards + 2;
    for (let queries = 0; position.shard < listShards; queries++) {
      if (keys.length >= limit || queries >= maxQueries) return { keys, cursor: encodeCursor(position) };
      const lpk = listPartitionKey(collectionBytes, position.shard);
      const { Items = [], LastEvaluatedKey } = await this.#client.send(
        new QueryCommand({
          TableName: tableName,
          IndexName: LIST_INDEX_NAME,
          KeyConditionExpression: '#lpk = :lpk',
          FilterExpression: 'attribute_not_exists(#exp) OR #exp > :now',
          ProjectionExpression: '#k',
          ExpressionAttributeNames: { '#lpk': LIST_PARTITION_KEY, '#k': LIST_SORT_KEY, ...NAMES.exp },
          ExpressionAttributeValues: { ':lpk': { B: lpk }, ':now': { N: String(Date.now()) } },
          Limit: limit - keys.length,
          ...(position.after
            ? {
                ExclusiveStartKey: {
                  [LIST_PARTITION_KEY]: { B: lpk },
                  [LIST_SORT_KEY]: { B: position.after },
                  [PARTITION_KEY]: { B: partitionKey(collectionBytes, position.after) },
                },
              }
            : {}),
        }),
        this.#sendOptions(),
      );
      for (const item of Items) {
        const keyBytes = item[LIST_SORT_KEY]?.B;
        if (keyBytes) keys.push(fromUtf8(keyBytes));
      }
      const lastKey = LastEvaluatedKey?.[LIST_SORT_KEY]?.B;
      position = lastKey ? { shard: position.shard, after: lastKey } : { shard: position.shard + 1, after: undefined };
    }
    return { keys };
  }
}
