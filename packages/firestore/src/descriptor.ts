import type { AdapterDescriptor, ByteStore } from '@oauth-store/core';
import { FIRESTORE_URL_FORM } from './connection-url';
import { SOURCE } from './layout';
import { FirestoreStore } from './store';

/**
 * The Firestore adapter as the CLI, bench, soak and test harness see it: `firestore://` connection strings (see
 * {@link FIRESTORE_URL_FORM}), opened with {@link FirestoreStore} and checked with `ready()`.
 */
export const descriptor: AdapterDescriptor = {
  name: SOURCE,
  schemes: ['firestore'],
  install: ['@oauth-store/firestore', '@google-cloud/firestore'],
  urlForm: FIRESTORE_URL_FORM,
  async open(connectionString, options = {}): Promise<ByteStore> {
    const store = new FirestoreStore({
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
  testServer: 'firestore',
};
