import type { ByteStore, DeleteOptions, ListPage, SetOptions, StoreCapabilities, StoredEntry } from './contract';
import { isOAuthStoreError, type OAuthStoreError, StoreClosedError, StoreUnavailableError } from './errors';
import type { StoreOperation } from './runtime';
import { describeBackendError } from './runtime';
import { assertValidKey, assertValidSetOptions, assertValidValue, normalizeListOptions } from './validation';

/** The operations a {@link StoreDriver} implements, named for error messages. */

/**
 * What an adapter author writes: the raw backend operations. {@link defineStore} wraps it with input validation
 * (before the backend is touched), closed-state checks and error typing, so every adapter behaves the same at the edges.
 */
/** @deprecated Transitional v1 driver shape while adapters move to {@link StoreDriver}; removed before release. */
export interface LegacyStoreDriver {
  /** See {@link StoreCapabilities}. */
  readonly capabilities: Omit<StoreCapabilities, 'compareAndSet'> & { compareAndSet?: boolean };
  /** Returns the live value; the driver filters expired entries. */
  get(collection: string, key: string): Promise<Uint8Array | undefined>;
  /** Writes; `ttlMs` and `onlyIfAbsent` are already validated. */
  set(collection: string, key: string, value: Uint8Array, options: SetOptions): Promise<boolean>;
  /** Deletes; true when a live entry was removed. */
  delete(collection: string, key: string): Promise<boolean>;
  /** Atomic get-and-delete of a live entry. */
  take(collection: string, key: string): Promise<Uint8Array | undefined>;
  /** One page; `limit` is validated and defaulted. */
  list(collection: string, options: { cursor: string | undefined; limit: number }): Promise<ListPage>;
  /** Releases what the driver owns. Called at most once. */
  close(): Promise<void>;
  /**
   * Turns a backend error into a typed one. Errors that are already {@link OAuthStoreError}s pass through untouched;
   * the default maps everything else to {@link StoreUnavailableError}.
   */
  mapError?(error: unknown, operation: StoreOperation): OAuthStoreError;
}

const LEGACY_VERSION = 'AAAAAAAAAAAAAAAAAAAAAA';

function defaultMapError(name: string, error: unknown, operation: StoreOperation): OAuthStoreError {
  return new StoreUnavailableError(
    `${operation} failed (${describeBackendError(error)}). Check that the backend is reachable; the operation can be retried.`,
    { source: name, cause: error },
  );
}

/** @deprecated Transitional: v1 drivers without frames or compare-and-set. Removed before release. */
export function defineLegacyStore(driver: LegacyStoreDriver): ByteStore {
  const capabilities: StoreCapabilities = { compareAndSet: false, ...driver.capabilities };
  const source = capabilities.name;
  let closed = false;
  let closing: Promise<void> | undefined;

  const toTyped = (error: unknown, operation: StoreOperation): OAuthStoreError => {
    if (isOAuthStoreError(error)) return error;
    return driver.mapError ? driver.mapError(error, operation) : defaultMapError(source, error, operation);
  };

  async function run<T>(operation: StoreOperation, body: () => Promise<T>): Promise<T> {
    if (closed) {
      throw new StoreClosedError(`${operation} called after close(). Create a new store.`, { source });
    }
    try {
      return await body();
    } catch (error) {
      throw toTyped(error, operation);
    }
  }

  return {
    capabilities,
    get(collection, key) {
      return run('get', async () => {
        assertValidKey(capabilities, collection, key);
        return driver.get(collection, key);
      });
    },
    getEntry(collection, key) {
      return run('get', async () => {
        assertValidKey(capabilities, collection, key);
        const value = await driver.get(collection, key);
        return value === undefined
          ? undefined
          : ({ value, version: LEGACY_VERSION, expiresAt: undefined } as StoredEntry);
      });
    },
    set(collection, key, value, options) {
      return run('set', async () => {
        assertValidKey(capabilities, collection, key);
        assertValidValue(capabilities, value);
        assertValidSetOptions(capabilities, options);
        const { ifVersion: _ignored, ...rest } = options ?? {};
        return driver.set(collection, key, value, rest);
      });
    },
    delete(collection, key, _options?: DeleteOptions) {
      return run('delete', async () => {
        assertValidKey(capabilities, collection, key);
        return driver.delete(collection, key);
      });
    },
    take(collection, key) {
      return run('take', async () => {
        assertValidKey(capabilities, collection, key);
        return driver.take(collection, key);
      });
    },
    list(collection, options) {
      return run('list', async () => {
        assertValidKey(capabilities, collection, 'list');
        return driver.list(collection, normalizeListOptions(capabilities, options));
      });
    },
    close() {
      if (!closing) {
        closed = true;
        closing = driver.close().catch((error) => {
          throw toTyped(error, 'close');
        });
      }
      return closing;
    },
  };
}
