import {
  CreateTableCommand,
  type CreateTableCommandInput,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  type DynamoDBClient,
  type TableDescription,
  UpdateTimeToLiveCommand,
  waitUntilTableExists,
} from '@aws-sdk/client-dynamodb';
import { ConfigurationError, isOAuthStoreError } from '@oauth-store/core';
import { mapDynamoDbError, SOURCE } from './errors';
import {
  EXPIRES_AT_ATTRIBUTE,
  LIST_INDEX_NAME,
  LIST_PARTITION_KEY,
  LIST_SORT_KEY,
  PARTITION_KEY,
  TTL_ATTRIBUTE,
} from './layout';
import { assertTableName } from './options';

/** Options for {@link createTable}. */
export interface CreateTableOptions {
  /** The client to create the table with (needs the IAM actions listed in the README). */
  client: DynamoDBClient;
  /** The table to create. */
  tableName: string;
  /** On-demand (default) or provisioned capacity; provisioned applies the same numbers to the table and its index. */
  billing?: 'PAY_PER_REQUEST' | { readCapacityUnits: number; writeCapacityUnits: number };
  /** How long to wait for the table to become ACTIVE, in milliseconds. Default 120000. */
  waitTimeoutMs?: number;
}

/** What {@link createTable} did. */
export interface CreateTableResult {
  /** True when this call created the table; false when it already existed with the right layout. */
  created: boolean;
  /** True when this call turned on TTL; false when it was already on. */
  ttlEnabled: boolean;
}

/** The table definition the store needs: see the README for the same in CloudFormation and Terraform. */
export function tableDefinition(
  tableName: string,
  billing: CreateTableOptions['billing'] = 'PAY_PER_REQUEST',
): CreateTableCommandInput {
  const throughput =
    billing === 'PAY_PER_REQUEST'
      ? undefined
      : { ReadCapacityUnits: billing.readCapacityUnits, WriteCapacityUnits: billing.writeCapacityUnits };
  return {
    TableName: tableName,
    AttributeDefinitions: [
      { AttributeName: PARTITION_KEY, AttributeType: 'B' },
      { AttributeName: LIST_PARTITION_KEY, AttributeType: 'B' },
      { AttributeName: LIST_SORT_KEY, AttributeType: 'B' },
    ],
    KeySchema: [{ AttributeName: PARTITION_KEY, KeyType: 'HASH' }],
    GlobalSecondaryIndexes: [
      {
        IndexName: LIST_INDEX_NAME,
        KeySchema: [
          { AttributeName: LIST_PARTITION_KEY, KeyType: 'HASH' },
          { AttributeName: LIST_SORT_KEY, KeyType: 'RANGE' },
        ],
        // The expiry rides along so `list` can filter expired entries without reading the items.
        Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: [EXPIRES_AT_ATTRIBUTE] },
        ...(throughput ? { ProvisionedThroughput: throughput } : {}),
      },
    ],
    ...(throughput
      ? { BillingMode: 'PROVISIONED', ProvisionedThroughput: throughput }
      : { BillingMode: 'PAY_PER_REQUEST' }),
  };
}

/** Throws {@link ConfigurationError} unless an existing table has the layout the store reads and writes. */
function assertLayout(table: TableDescription, tableName: string): void {
  const types = new Map(table.AttributeDefinitions?.map((a) => [a.AttributeName, a.AttributeType]));
  const hash = table.KeySchema?.length === 1 && table.KeySchema[0]?.AttributeName === PARTITION_KEY;
  const index = table.GlobalSecondaryIndexes?.find((i) => i.IndexName === LIST_INDEX_NAME);
  const indexKeys = index?.KeySchema?.map((k) => `${k.AttributeName}:${k.KeyType}`).join(',');
  const projection = index?.Projection;
  const projectsExpiry =
    projection?.ProjectionType === 'ALL' ||
    (projection?.ProjectionType === 'INCLUDE' && projection.NonKeyAttributes?.includes(EXPIRES_AT_ATTRIBUTE));
  const ok =
    hash &&
    types.get(PARTITION_KEY) === 'B' &&
    types.get(LIST_PARTITION_KEY) === 'B' &&
    types.get(LIST_SORT_KEY) === 'B' &&
    indexKeys === `${LIST_PARTITION_KEY}:HASH,${LIST_SORT_KEY}:RANGE` &&
    projectsExpiry;
  if (!ok) {
    throw new ConfigurationError(
      `table "${tableName}" exists but does not have the layout this adapter needs (binary partition key "${PARTITION_KEY}" only, and index "${LIST_INDEX_NAME}" on binary "${LIST_PARTITION_KEY}" + "${LIST_SORT_KEY}" projecting "${EXPIRES_AT_ATTRIBUTE}"). Use another table name, or recreate it from the README's definition.`,
      { source: SOURCE },
    );
  }
}

/**
 * Creates the table the store needs (on-demand billing by default) and turns on DynamoDB TTL on `ttl`. Idempotent:
 * an existing table with the right layout is left alone, one with another layout is reported, never changed.
 * Meant for development, tests and first deployment; infrastructure-as-code users can take the README's definition.
 */
export async function createTable(options: CreateTableOptions): Promise<CreateTableResult> {
  const { client, tableName } = options;
  assertTableName(tableName);
  const waitTimeoutMs = options.waitTimeoutMs ?? 120_000;
  try {
    let created = false;
    let table = await describe(client, tableName);
    if (!table) {
      try {
        await client.send(new CreateTableCommand(tableDefinition(tableName, options.billing)));
        created = true;
      } catch (error) {
        // Another process created it between our describe and create: fine, check its layout below.
        if ((error as { name?: unknown }).name !== 'ResourceInUseException') throw error;
      }
    }
    if (table?.TableStatus !== 'ACTIVE') {
      try {
        await waitUntilTableExists(
          { client, maxWaitTime: Math.ceil(waitTimeoutMs / 1000), minDelay: 1, maxDelay: 5 },
          { TableName: tableName },
        );
      } catch (error) {
        throw new ConfigurationError(`table "${tableName}" did not become ACTIVE within ${waitTimeoutMs} ms.`, {
          source: SOURCE,
          cause: error,
        });
      }
      table = await describe(client, tableName);
    }
    if (!table)
      throw new ConfigurationError(`table "${tableName}" disappeared while it was being created.`, { source: SOURCE });
    assertLayout(table, tableName);
    return { created, ttlEnabled: await enableTtl(client, tableName) };
  } catch (error) {
    if (isOAuthStoreError(error)) throw error;
    throw mapDynamoDbError(error, 'createTable', tableName);
  }
}

async function describe(client: DynamoDBClient, tableName: string): Promise<TableDescription | undefined> {
  try {
    return (await client.send(new DescribeTableCommand({ TableName: tableName }))).Table;
  } catch (error) {
    if ((error as { name?: unknown }).name === 'ResourceNotFoundException') return undefined;
    throw error;
  }
}

/** Turns on TTL on the `ttl` attribute unless it already is; true when this call turned it on. */
async function enableTtl(client: DynamoDBClient, tableName: string): Promise<boolean> {
  if (await ttlIsOn(client, tableName)) return false;
  try {
    await client.send(
      new UpdateTimeToLiveCommand({
        TableName: tableName,
        TimeToLiveSpecification: { Enabled: true, AttributeName: TTL_ATTRIBUTE },
      }),
    );
    return true;
  } catch (error) {
    // Another process turned it on between our describe and update ("TimeToLive is already enabled").
    if ((error as { name?: unknown }).name === 'ValidationException' && (await ttlIsOn(client, tableName)))
      return false;
    throw error;
  }
}

/** True when TTL is on (or turning on) for `ttl`; throws when it is on for another attribute. */
async function ttlIsOn(client: DynamoDBClient, tableName: string): Promise<boolean> {
  const { TimeToLiveDescription: ttl } = await client.send(new DescribeTimeToLiveCommand({ TableName: tableName }));
  const status = ttl?.TimeToLiveStatus;
  if ((status === 'ENABLED' || status === 'ENABLING') && ttl?.AttributeName === TTL_ATTRIBUTE) return true;
  if (status === 'ENABLED' || status === 'ENABLING' || status === 'DISABLING') {
    throw new ConfigurationError(
      `table "${tableName}" has TTL ${status.toLowerCase()} on attribute "${ttl?.AttributeName ?? '?'}"; this adapter needs it enabled on "${TTL_ATTRIBUTE}" (expired entries stay invisible either way, but are never deleted). Wait for a change in progress to finish, switch TTL to "${TTL_ATTRIBUTE}", then retry.`,
      { source: SOURCE },
    );
  }
  return false;
}
