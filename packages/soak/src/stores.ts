/**
 * Builds the stores a worker (and the final verification) uses from plain JSON: the backend adapter, timed so that
 * every failed call is logged with its duration, wrapped with envelope encryption under a fixed keyring every
 * process shares, optionally broken on purpose, and under it the typed ClientStore and TransactionStore.
 */
import { createHash } from 'node:crypto';
import { adapterNamed, loadDescriptor } from '@oauth-store/cli';
import {
  type ByteStore,
  ClientStore,
  isOAuthStoreError,
  type KeyringMaterial,
  TransactionStore,
} from '@oauth-store/core';
import { withEnvelopeEncryption } from '@oauth-store/envelope';
import { type BrokenKind, breakStore } from './broken';

/**
 * Where a backend is, as plain JSON a child process can receive: the adapter registry's backend name
 * (packages/cli/src/adapter-registry.ts) and a connection string in that adapter's grammar.
 */
export interface BackendTarget {
  /** Registry name, for example `redis` (also for a cluster: `redis+cluster://` is the redis adapter's). */
  kind: string;
  /** Connection string; the workers open it through the adapter's descriptor. */
  url: string;
}

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

/**
 * The registry entry of a soak backend. Soak variants of one adapter are named `<adapter>-<variant>` (`redis-cluster`
 * is the redis adapter on a `redis+cluster://` string): workers boot knowing only that name.
 */
function registered(kind: string) {
  const adapter = adapterNamed(kind) ?? adapterNamed(kind.split('-')[0] ?? kind);
  if (!adapter) throw new Error(`the adapter registry has no backend named ${kind}`);
  return adapter;
}

/** How long a worker keeps trying to open its store at start-up (an emulator's first answer can take seconds). */
const OPEN_BUDGET_MS = 30_000;

/**
 * Opens the bare adapter for a target through the adapter registry's descriptor, the way a deployment configured by
 * connection string gets it. Adapters are imported lazily, so a worker loads only its backend's SDK.
 */
export async function openAdapter(target: BackendTarget, timeoutMs: number): Promise<ByteStore> {
  const descriptor = await loadDescriptor(registered(target.kind));
  // Opening waits for the backend's first answer within the operation bound; under load (the Firestore emulator loads
  // its protos on the first request) that can take longer, so start-up retries a failed open, which writes nothing.
  const deadline = Date.now() + OPEN_BUDGET_MS;
  for (;;) {
    try {
      return await descriptor.open(target.url, { timeoutMs });
    } catch (error) {
      if (errorCode(error) !== 'unavailable' || Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
}

/**
 * Loads a backend's adapter into the module cache (seconds of work on a busy machine), so a worker can do it before
 * it is given its target and a started worker is ready at once.
 */
export async function preloadAdapter(kind: BackendTarget['kind'] | undefined): Promise<void> {
  // No kind: not a worker (the parent imports worker.ts for its constants, which runs its main without a backend).
  if (!kind) return;
  await loadDescriptor(registered(kind));
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
