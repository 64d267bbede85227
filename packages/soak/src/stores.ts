/**
 * Builds the stores a worker (and the final verification) uses from plain JSON: the backend adapter, timed so that
 * every failed call is logged with its duration, wrapped with envelope encryption under a fixed keyring every
 * process shares, optionally broken on purpose, and under it the typed ClientStore and TransactionStore.
 */
import { createHash } from 'node:crypto';
import {
  type ByteStore,
  ClientStore,
  isOAuthStoreError,
  type KeyringMaterial,
  TransactionStore,
} from '@oauth-store/core';
import { withEnvelopeEncryption } from '@oauth-store/envelope';
import { type BrokenKind, breakStore } from './broken';

/** Where a backend is, as plain JSON a child process can receive. */
export type BackendTarget =
  | { kind: 'redis'; url: string }
  | { kind: 'redis-cluster'; urls: string[] }
  | { kind: 'postgres'; url: string; table: string }
  | { kind: 'dynamodb'; endpoint: string; table: string }
  | { kind: 'firestore'; host: string; rootCollection: string }
  | { kind: 'gcs'; endpoint: string; bucket: string };

/** Everything a process needs to build the soak's stores. */
export interface StoreConfig {
  target: BackendTarget;
  /** Each adapter's bound on one operation, in ms. */
  timeoutMs: number;
  /** Break one contract promise on purpose (to prove the checkers), see broken.ts. */
  broken?: BrokenKind;
}

/** The stores one process works with. */
export interface SoakStores {
  clients: ClientStore;
  transactions: TransactionStore;
  /** The encrypted byte store under both; close it when done. */
  store: ByteStore;
}

/** A failed adapter call: which method, when, how long it took, and the error code. */
export interface CallFailure {
  m: string;
  t0: number;
  ms: number;
  err: string;
}

/** Collection of the registered clients. */
export const CLIENTS_COLLECTION = 'soak-clients';
/** Collection of the failed-write probes (see the workload's probe operations). */
export const PROBES_COLLECTION = 'soak-probes';
/** Prefix of the transaction store's collections. */
export const TRANSACTION_PREFIX = 'soak-';
/** Google project id used against the Firestore emulator and the Cloud Storage fake (any id works there). */
export const PROJECT_ID = 'oauth-store-soak';

// A fixed test keyring (derived from a public label, so NOT a secret): every worker and the verifier must share it.
const testKey = (label: string) => new Uint8Array(createHash('sha256').update(`oauth-store soak ${label}`).digest());
const KEYRING: KeyringMaterial = { primary: { kid: 'soak-1', key: testKey('kek') }, decryptOnly: [] };
const HASH_KEY = testKey('hash-key');
/** Collections whose key names are secrets (codes, tokens): the backend sees only their HMAC. */
const HASHED = ['codes', 'code-tombstones', 'upstream-tokens', 'transactions'].map((c) => TRANSACTION_PREFIX + c);

/** The `outcomeUnknown` flag of an `unavailable` error (undefined for anything else). */
export function outcomeUnknownOf(error: unknown): boolean | undefined {
  if (!isOAuthStoreError(error, 'unavailable')) return undefined;
  return (error as { outcomeUnknown?: boolean }).outcomeUnknown === true;
}

/** The `code` of an OAuthStoreError, or `untyped:<name>` for anything else (which is itself a finding). */
export function errorCode(error: unknown): string {
  if (isOAuthStoreError(error)) return error.code;
  return `untyped:${error instanceof Error ? error.name : typeof error}`;
}

/** Opens the bare adapter for a target. Adapters are imported lazily so a worker loads only its backend's SDK. */
export async function openAdapter(target: BackendTarget, timeoutMs: number): Promise<ByteStore> {
  switch (target.kind) {
    case 'redis':
    case 'redis-cluster': {
      const { createRedisStore } = await import('@oauth-store/redis');
      return createRedisStore(
        target.kind === 'redis'
          ? { url: target.url, commandTimeoutMs: timeoutMs }
          : { clusterUrls: target.urls, commandTimeoutMs: timeoutMs },
      );
    }
    case 'postgres': {
      const { openPostgresStore } = await import('@oauth-store/postgres');
      // The runner migrated once before starting workers.
      return openPostgresStore({ connectionString: target.url, table: target.table, timeoutMs, migrate: false });
    }
    case 'dynamodb': {
      const { DynamoDbStore } = await import('@oauth-store/dynamodb');
      return new DynamoDbStore({
        tableName: target.table,
        clientConfig: {
          endpoint: target.endpoint,
          region: 'us-east-1',
          credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
        },
        operationTimeoutMs: timeoutMs,
        requestTimeoutMs: Math.max(1, Math.floor(timeoutMs / 2)),
      });
    }
    case 'firestore': {
      const { FirestoreStore } = await import('@oauth-store/firestore');
      // The SDK reads the emulator address from the environment when the client is constructed.
      const saved = process.env.FIRESTORE_EMULATOR_HOST;
      process.env.FIRESTORE_EMULATOR_HOST = target.host;
      try {
        return new FirestoreStore({
          settings: { projectId: PROJECT_ID },
          rootCollection: target.rootCollection,
          operationTimeoutMs: timeoutMs,
        });
      } finally {
        if (saved === undefined) delete process.env.FIRESTORE_EMULATOR_HOST;
        else process.env.FIRESTORE_EMULATOR_HOST = saved;
      }
    }
    case 'gcs': {
      const { GcsStore } = await import('@oauth-store/gcs');
      return new GcsStore({
        bucket: target.bucket,
        storageOptions: {
          apiEndpoint: target.endpoint,
          projectId: PROJECT_ID,
          useAuthWithCustomEndpoint: false,
          // Short backoff, so retries fit in the operation bound (maxRetryDelay is in seconds, and the SDK refuses
          // one below its 1 s initial delay).
          retryOptions: { autoRetry: true, maxRetries: 5, retryDelayMultiplier: 1.1, maxRetryDelay: 1 },
        },
        operationTimeoutMs: timeoutMs,
        requestTimeoutMs: Math.max(1, Math.floor(timeoutMs / 2)),
      });
    }
  }
}

/**
 * Loads a backend's adapter and SDK into the module cache (seconds of work on a busy machine), so a worker can do it
 * before it is given its target and a started worker is ready at once.
 */
export async function preloadAdapter(kind: BackendTarget['kind']): Promise<void> {
  switch (kind) {
    case 'redis':
    case 'redis-cluster':
      await Promise.all([import('@oauth-store/redis'), import('redis')]);
      return;
    case 'postgres':
      // pg ships no types; a computed specifier keeps tsc from asking for them (only the side effect matters).
      await Promise.all([import('@oauth-store/postgres'), import(['pg'][0] as string)]);
      return;
    case 'dynamodb':
      await import('@oauth-store/dynamodb');
      return;
    case 'firestore':
      await import('@oauth-store/firestore');
      return;
    case 'gcs':
      await import('@oauth-store/gcs');
      return;
  }
}

/** Wraps a store so every failed call is reported with its duration and error code. */
export function timed(store: ByteStore, onFailure: (failure: CallFailure) => void): ByteStore {
  const wrap =
    <A extends unknown[], R>(m: string, call: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      const t0 = Date.now();
      try {
        return await call(...args);
      } catch (error) {
        onFailure({ m, t0, ms: Date.now() - t0, err: errorCode(error) });
        throw error;
      }
    };
  return {
    capabilities: store.capabilities,
    get: wrap('get', (c: string, k: string) => store.get(c, k)),
    getEntry: wrap('getEntry', (c: string, k: string) => store.getEntry(c, k)),
    set: wrap('set', (c: string, k: string, v: Uint8Array, o?: Parameters<ByteStore['set']>[3]) =>
      store.set(c, k, v, o),
    ),
    delete: wrap('delete', (c: string, k: string, o?: Parameters<ByteStore['delete']>[2]) => store.delete(c, k, o)),
    take: wrap('take', (c: string, k: string) => store.take(c, k)),
    list: wrap('list', (c: string, o?: Parameters<ByteStore['list']>[1]) => store.list(c, o)),
    close: () => store.close(),
  };
}

/** Builds the soak's stores for a config: adapter, timing, encryption, optional breakage, typed stores. */
export async function openSoakStores(
  config: StoreConfig,
  onFailure: (failure: CallFailure) => void = () => {},
): Promise<SoakStores> {
  const adapter = await openAdapter(config.target, config.timeoutMs);
  const encrypted = withEnvelopeEncryption(timed(adapter, onFailure), {
    keyring: KEYRING,
    hashKeysIn: HASHED,
    hashKey: HASH_KEY,
    refreshIntervalMs: 0,
  });
  await encrypted.ready();
  const store = config.broken ? breakStore(encrypted, config.broken) : encrypted;
  return {
    clients: new ClientStore(store, { collection: CLIENTS_COLLECTION }),
    transactions: new TransactionStore(store, { prefix: TRANSACTION_PREFIX }),
    store,
  };
}
