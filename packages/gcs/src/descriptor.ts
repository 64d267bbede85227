import type { AdapterDescriptor, ByteStore } from '@oauth-store/core';
import { GCS_URL_FORM } from './connection-url';
import { SOURCE } from './errors';
import { GcsStore } from './gcs-store';

/**
 * The Cloud Storage adapter as the CLI, bench, soak and test harness see it: `gcs://` connection strings (see
 * {@link GCS_URL_FORM}), opened with {@link GcsStore} and checked with `ready()`.
 */
export const descriptor: AdapterDescriptor = {
  name: SOURCE,
  schemes: ['gcs'],
  install: ['@oauth-store/gcs', '@google-cloud/storage'],
  urlForm: GCS_URL_FORM,
  async open(connectionString, options = {}): Promise<ByteStore> {
    const store = new GcsStore({
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
  testServer: 'gcs',
};
