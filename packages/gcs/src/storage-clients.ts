/**
 * The two `Storage` clients a store uses. Reads go through a client with the SDK's retries (a read can be repeated
 * safely); writes, deletes and takes go through one with every retry off.
 *
 * Why two clients: @google-cloud/storage retries an upload or delete that carries `ifGenerationMatch` (it calls such
 * requests idempotent), and its retry switch is state shared by everything using one client (`retryOptions.autoRetry`,
 * which it flips per call and, after an unconditional `save`, leaves off; see test/faults.test.ts). A conditional
 * create whose answer was lost and that is sent again after another process took the entry writes it back: a double
 * take. A client whose retries are off from construction (`autoRetry: false`, `maxRetries: 0`, `RetryNever`) sends each
 * write once, whatever other calls do meanwhile.
 */
import { IdempotencyStrategy, Storage, type StorageOptions } from '@google-cloud/storage';

type RetryOptions = NonNullable<StorageOptions['retryOptions']>;

/** Retry options for the client that sends writes, deletes and takes: never retry. */
export const NO_RETRY: RetryOptions = {
  autoRetry: false,
  maxRetries: 0,
  idempotencyStrategy: IdempotencyStrategy.RetryNever,
};

/** Both clients of a store. */
export interface StorageClients {
  /** Reads (downloads, lists): the application's retry settings. */
  reads: Storage;
  /** Writes, deletes and takes: never retried by the SDK. */
  writes: Storage;
}

/** Builds both clients from the options the application gave for the store's own client. */
export function clientsFromOptions(
  options: StorageOptions | undefined,
  requestTimeoutMs: number,
  timeoutMs: number,
): StorageClients {
  const base: StorageOptions = { ...options, timeout: options?.timeout ?? requestTimeoutMs };
  return {
    reads: new Storage({
      ...base,
      retryOptions: {
        // The SDK's default is to retry for up to 600 s; no point retrying past the operation's deadline.
        totalTimeout: Math.max(1, Math.ceil(timeoutMs / 1000)),
        ...options?.retryOptions,
      },
    }),
    writes: new Storage({ ...base, retryOptions: NO_RETRY }),
  };
}

/** The fields of a `Storage` instance that say where and as whom it talks (set by the SDK's constructor). */
interface StorageInternals {
  apiEndpoint: string;
  projectId?: string;
  authClient: StorageOptions['authClient'];
  useAuthWithCustomEndpoint?: boolean;
  universeDomain?: string;
  timeout?: number;
}

/**
 * Both clients around a `Storage` the application passed in: reads use it as it is; writes use a second client of the
 * same class (so the same SDK copy and major) with the same endpoint, project, universe, timeout and auth client (so
 * the same credentials), with retries off. The application's client is never modified. Its request interceptors are
 * not copied.
 */
export function clientsAround(storage: Storage, requestTimeoutMs: number): StorageClients {
  const internals = storage as unknown as StorageInternals;
  const SameStorage = storage.constructor as typeof Storage;
  return {
    reads: storage,
    writes: new SameStorage({
      apiEndpoint: internals.apiEndpoint,
      ...(internals.projectId !== undefined ? { projectId: internals.projectId } : {}),
      ...(internals.authClient !== undefined ? { authClient: internals.authClient } : {}),
      ...(internals.useAuthWithCustomEndpoint !== undefined
        ? { useAuthWithCustomEndpoint: internals.useAuthWithCustomEndpoint }
        : {}),
      ...(internals.universeDomain !== undefined ? { universeDomain: internals.universeDomain } : {}),
      timeout: internals.timeout ?? requestTimeoutMs,
      retryOptions: NO_RETRY,
    }),
  };
}
