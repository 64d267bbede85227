import {
  assertValidKey,
  assertValidSetOptions,
  assertValidValue,
  type ByteStore,
  type DeleteOptions,
  InvalidValueError,
  isOAuthStoreError,
  type ListOptions,
  type ListPage,
  normalizeListOptions,
  type OAuthStoreError,
  type SetOptions,
  type StoreCapabilities,
  StoreClosedError,
  type StoredEntry,
  StoreUnavailableError,
} from '@oauth-store/core';

/** The operations a wrapper implements after {@link guardStore} has validated their inputs. */
export interface WrapperOperations {
  get(collection: string, key: string): Promise<Uint8Array | undefined>;
  getEntry(collection: string, key: string): Promise<StoredEntry | undefined>;
  set(collection: string, key: string, value: Uint8Array, options: SetOptions): Promise<boolean>;
  delete(collection: string, key: string, options: DeleteOptions): Promise<boolean>;
  take(collection: string, key: string): Promise<Uint8Array | undefined>;
  list(collection: string, options: ListOptions): Promise<ListPage>;
  close(): Promise<void>;
}

type Operation = 'get' | 'set' | 'delete' | 'take' | 'list' | 'close';

/**
 * The edges of a store that wraps another {@link ByteStore} (which frames, versions and expires records itself): input
 * validation before anything is touched, the closed state, and only typed errors out. The core runtime does the same
 * for drivers over a backend; a wrapper cannot use it, because its records are already framed by the inner store.
 */
export function guardStore(capabilities: StoreCapabilities, operations: WrapperOperations): ByteStore {
  const source = capabilities.name;
  let closed = false;
  let closing: Promise<void> | undefined;

  const typed = (error: unknown, operation: Operation): OAuthStoreError =>
    isOAuthStoreError(error)
      ? error
      : // Never the raw message or the error itself as cause: it may quote a value.
        new StoreUnavailableError(
          `${operation} failed (${error instanceof Error ? error.name : typeof error}). The operation can be retried.`,
          { source },
        );

  // Not an async function: one promise (the body's) plus one rejection handler per call, instead of another async
  // frame awaiting the body. The bodies are async, so whatever they throw arrives as a rejection.
  function run<T>(operation: Operation, body: () => Promise<T>): Promise<T> {
    if (closed) {
      return Promise.reject(new StoreClosedError(`${operation} called after close(). Create a new store.`, { source }));
    }
    return body().catch((error: unknown) => {
      throw typed(error, operation);
    });
  }

  return {
    capabilities,
    get: (collection, key) =>
      run('get', async () => {
        assertValidKey(capabilities, collection, key);
        return operations.get(collection, key);
      }),
    getEntry: (collection, key) =>
      run('get', async () => {
        assertValidKey(capabilities, collection, key);
        return operations.getEntry(collection, key);
      }),
    set: (collection, key, value, options) =>
      run('set', async () => {
        assertValidKey(capabilities, collection, key);
        assertValidValue(capabilities, value);
        assertValidSetOptions(capabilities, options);
        if (options?.onlyIfAbsent && options.ifVersion !== undefined) {
          throw new InvalidValueError('onlyIfAbsent and ifVersion exclude each other; pass one.', { source });
        }
        return operations.set(collection, key, value, { ...options });
      }),
    delete: (collection, key, options) =>
      run('delete', async () => {
        assertValidKey(capabilities, collection, key);
        if (options !== undefined && (typeof options !== 'object' || options === null)) {
          throw new InvalidValueError('delete options must be an object.', { source });
        }
        if (options?.ifVersion !== undefined && typeof options.ifVersion !== 'string') {
          throw new InvalidValueError('ifVersion must be the version string returned by getEntry.', { source });
        }
        return operations.delete(collection, key, { ...options });
      }),
    take: (collection, key) =>
      run('take', async () => {
        assertValidKey(capabilities, collection, key);
        return operations.take(collection, key);
      }),
    list: (collection, options) =>
      run('list', async () => {
        assertValidKey(capabilities, collection, 'list');
        const page = normalizeListOptions(capabilities, options);
        return operations.list(collection, { cursor: page.cursor, limit: page.limit });
      }),
    close() {
      if (!closing) {
        closed = true;
        closing = operations.close().catch((error) => {
          throw typed(error, 'close');
        });
      }
      return closing;
    },
  };
}
