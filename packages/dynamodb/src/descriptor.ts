import type { AdapterDescriptor, ByteStore } from '@oauth-store/core';
import { DYNAMODB_URL_FORM } from './connection-url';
import { SOURCE } from './errors';
import { DynamoDbStore } from './store';

/**
 * The DynamoDB adapter as the CLI, bench, soak and test harness see it: `dynamodb://` connection strings (see
 * {@link DYNAMODB_URL_FORM}), opened with {@link DynamoDbStore} and checked with `ready()`.
 */
export const descriptor: AdapterDescriptor = {
  name: SOURCE,
  schemes: ['dynamodb'],
  install: ['@oauth-store/dynamodb', '@aws-sdk/client-dynamodb'],
  urlForm: DYNAMODB_URL_FORM,
  async open(connectionString, options = {}): Promise<ByteStore> {
    const store = new DynamoDbStore({
      url: connectionString,
      ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
    });
    try {
      await store.ready();
    } catch (error) {
      await store.close().catch(() => undefined);
      throw error;
    }
    return store;
  },
  testServer: 'dynamodb',
};
