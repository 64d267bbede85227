import {
  type AttributeValue,
  DeleteItemCommand,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
} from '@aws-sdk/client-dynamodb';
import type {
  DriverRecord,
  ListPage,
  OAuthStoreError,
  OperationContext,
  StoreCapabilities,
  StoreDriver,
  StoreOperation,
  WriteCondition,
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
  VERSION_ATTRIBUTE,
} from './layout';
import type { ResolvedOptions } from './options';
import { provesNotApplied, sendSingleAttempt } from './single-attempt';

/** Placeholders for attribute names: `ttl` is a DynamoDB reserved word, so every name goes through one. */
const NAMES = { '#pk': PARTITION_KEY, '#exp': EXPIRES_AT_ATTRIBUTE } as const;
const NAMES_WITH_VERSION = { ...NAMES, '#ver': VERSION_ATTRIBUTE } as const;

/** "The item exists and has not expired at :now". */
const LIVE = 'attribute_exists(#pk) AND (attribute_not_exists(#exp) OR #exp > :now)';
/** "No live item": absent, or present but past its expiry (DynamoDB's TTL deletion can lag by days). */
const ABSENT = 'attribute_not_exists(#pk) OR #exp <= :now';
/** "A live item whose version is :ver": the compare of compare-and-set, evaluated by DynamoDB with the write. */
const LIVE_WITH_VERSION = `${LIVE} AND #ver = :ver`;

/** The capabilities of every DynamoDB store. */
export const CAPABILITIES: StoreCapabilities = {
  name: SOURCE,
  maxKeyBytes: MAX_KEY_BYTES,
  maxCollectionBytes: MAX_COLLECTION_BYTES,
  maxValueBytes: MAX_VALUE_BYTES,
  nativeTtl: true,
  atomicTake: true,
  compareAndSet: true,
};

/**
 * The DynamoDB driver: one item per entry; every condition (absent, version, live) is a condition expression that
 * DynamoDB evaluates atomically with the write or delete of that one item. "Live" is judged against the operation's
 * start on the application clock (`context.now`), compared with the precise expiry `exp` (ms) stored with the item.
 * Writes, deletes and takes go through {@link sendSingleAttempt}: the SDK never resends them.
 */
export class DynamoDbDriver implements StoreDriver {
  readonly capabilities = CAPABILITIES;
  readonly timeoutMs: number;
  readonly #client: DynamoDBClient;
  readonly #ownsClient: boolean;
  readonly #options: ResolvedOptions;

  constructor(client: DynamoDBClient, ownsClient: boolean, options: ResolvedOptions) {
    this.#client = client;
    this.#ownsClient = ownsClient;
    this.#options = options;
    this.timeoutMs = options.timeoutMs;
  }

  async read(collection: string, key: string, context: OperationContext): Promise<Uint8Array | undefined> {
    const { Item } = await this.#client.send(
      new GetItemCommand({
        TableName: this.#options.tableName,
        Key: this.#key(collection, key),
        // Another instance may have written this entry a moment ago (a code issued by one pod, redeemed on another).
        ConsistentRead: true,
        ProjectionExpression: '#v, #exp',
        ExpressionAttributeNames: { '#v': VALUE_ATTRIBUTE, '#exp': EXPIRES_AT_ATTRIBUTE },
      }),
      { abortSignal: context.signal },
    );
    if (!Item) return undefined;
    // Free to check here (the runtime checks the frame's expiry again): skips decoding an item TTL has not deleted yet.
    const expiresAt = Item[EXPIRES_AT_ATTRIBUTE]?.N;
    if (expiresAt !== undefined && Number(expiresAt) <= context.now) return undefined;
    return Item[VALUE_ATTRIBUTE]?.B;
  }

  async write(
    collection: string,
    key: string,
    record: DriverRecord,
    condition: WriteCondition,
    context: OperationContext,
  ): Promise<boolean> {
    const keyBytes = utf8(key);
    const collectionBytes = utf8(collection);
    const item: Record<string, AttributeValue> = {
      [PARTITION_KEY]: { B: partitionKey(collectionBytes, keyBytes) },
      [LIST_PARTITION_KEY]: { B: listPartitionKey(collectionBytes, shardOf(keyBytes, this.#options.listShards)) },
      [LIST_SORT_KEY]: { B: keyBytes },
      // The runtime built these bytes for this call alone: no copy needed.
      [VALUE_ATTRIBUTE]: { B: record.bytes },
      [VERSION_ATTRIBUTE]: { B: record.versionBytes },
    };
    if (record.expiresAt !== undefined) {
      item[EXPIRES_AT_ATTRIBUTE] = { N: String(record.expiresAt) };
      item[TTL_ATTRIBUTE] = { N: String(ttlSeconds(record.expiresAt)) };
    }
    try {
      await sendSingleAttempt(
        this.#client,
        new PutItemCommand({ TableName: this.#options.tableName, Item: item, ...conditionOf(condition, context) }),
        context.signal,
      );
      return true;
    } catch (error) {
      if (condition.kind !== 'none' && isConditionalCheckFailed(error)) return false;
      throw error;
    }
  }

  async remove(
    collection: string,
    key: string,
    condition: Exclude<WriteCondition, { kind: 'absent' }>,
    context: OperationContext,
  ): Promise<boolean> {
    return (await this.#deleteLive(collection, key, condition, false, context)) !== undefined;
  }

  /**
   * `DeleteItem` conditioned on a live item, returning the old item. DynamoDB evaluates the condition and deletes as
   * one step per item, so of concurrent callers exactly one succeeds; the rest get ConditionalCheckFailed. An expired
   * item is left for DynamoDB's TTL deletion: it is already invisible.
   */
  async take(collection: string, key: string, context: OperationContext): Promise<Uint8Array | undefined> {
    const old = await this.#deleteLive(collection, key, { kind: 'none' }, true, context);
    return old?.[VALUE_ATTRIBUTE]?.B;
  }

  /**
   * Walks the collection's shards in order, each in key order, querying the list index with a filter on expiry.
   * The cursor is (shard, last key evaluated), so keys written or deleted between pages do not shift the others.
   * A page may hold fewer than `limit` keys (expired items are filtered after DynamoDB's limit); it stops after a
   * bounded number of queries so a run of expired items cannot make one call slow.
   */
  async list(
    collection: string,
    { cursor, limit }: { cursor: string | undefined; limit: number },
    context: OperationContext,
  ): Promise<ListPage> {
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
          ExpressionAttributeNames: { '#lpk': LIST_PARTITION_KEY, '#k': LIST_SORT_KEY, '#exp': EXPIRES_AT_ATTRIBUTE },
          ExpressionAttributeValues: { ':lpk': { B: lpk }, ':now': { N: String(context.now) } },
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
        { abortSignal: context.signal },
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

  async close(): Promise<void> {
    if (this.#ownsClient) this.#client.destroy();
  }

  mapError(error: unknown, operation: StoreOperation): OAuthStoreError {
    return mapDynamoDbError(error, operation, this.#options.tableName);
  }

  notApplied(error: unknown): boolean {
    return provesNotApplied(error);
  }

  #key(collection: string, key: string): Record<string, AttributeValue> {
    return { [PARTITION_KEY]: { B: partitionKey(utf8(collection), utf8(key)) } };
  }

  /** Deletes the item if it is live (and has the version, if given); the old item, or undefined when none was. */
  async #deleteLive(
    collection: string,
    key: string,
    condition: Exclude<WriteCondition, { kind: 'absent' }>,
    returnOld: boolean,
    context: OperationContext,
  ): Promise<Record<string, AttributeValue> | undefined> {
    const versioned = condition.kind === 'version';
    try {
      const { Attributes } = await sendSingleAttempt(
        this.#client,
        new DeleteItemCommand({
          TableName: this.#options.tableName,
          Key: this.#key(collection, key),
          ConditionExpression: versioned ? LIVE_WITH_VERSION : LIVE,
          ExpressionAttributeNames: versioned ? NAMES_WITH_VERSION : NAMES,
          ExpressionAttributeValues: {
            ':now': { N: String(context.now) },
            ...(versioned ? { ':ver': { B: condition.versionBytes } } : {}),
          },
          ReturnValues: returnOld ? 'ALL_OLD' : 'NONE',
        }),
        context.signal,
      );
      return Attributes ?? {};
    } catch (error) {
      if (isConditionalCheckFailed(error)) return undefined;
      throw error;
    }
  }
}

/** The condition expression of a write: none, "no live item", or "a live item with this version". */
function conditionOf(
  condition: WriteCondition,
  context: OperationContext,
): Pick<
  ConstructorParameters<typeof PutItemCommand>[0],
  'ConditionExpression' | 'ExpressionAttributeNames' | 'ExpressionAttributeValues'
> {
  const now = { ':now': { N: String(context.now) } };
  switch (condition.kind) {
    case 'none':
      return {};
    case 'absent':
      return { ConditionExpression: ABSENT, ExpressionAttributeNames: NAMES, ExpressionAttributeValues: now };
    case 'version':
      return {
        ConditionExpression: LIVE_WITH_VERSION,
        ExpressionAttributeNames: NAMES_WITH_VERSION,
        ExpressionAttributeValues: { ...now, ':ver': { B: condition.versionBytes } },
      };
  }
}
