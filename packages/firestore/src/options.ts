import type { Firestore, Settings } from '@google-cloud/firestore';
import { ConfigurationError } from '@oauth-store/core';
import { parseFirestoreUrl } from './connection-url';
import { DEFAULT_ENTRIES_COLLECTION, DEFAULT_ROOT_COLLECTION, isValidCollectionSegment, SOURCE } from './layout';

/** Options for {@link FirestoreStore} and {@link createFirestoreStore}. */
export interface FirestoreStoreOptions {
  /**
   * A `firestore://project?database=&root=&emulator=host:port&timeout=` connection string (the CLI's grammar): project,
   * database, root collection, emulator and timeout in one string. `settings` fields and `rootCollection` override it.
   */
  url?: string;
  /**
   * A Firestore client to use. The store does not terminate it on `close()`. Absent: the store creates one from
   * `settings` (and the usual environment: `GOOGLE_APPLICATION_CREDENTIALS`, `FIRESTORE_EMULATOR_HOST`, ...) and
   * terminates it on `close()`.
   */
  firestore?: Firestore;
  /** Settings for the client the store creates when `firestore` is absent (projectId, databaseId, credentials, ...). */
  settings?: Settings;
  /**
   * Path of the collection holding one document per store collection: a collection id such as `oauth_store`, or a
   * collection path under a document such as `tenants/acme/oauth_store`. Default `oauth_store`.
   */
  rootCollection?: string;
  /**
   * Id of the subcollection that holds each store collection's entries; it names the collection group the TTL policy
   * is set on (see the README), so keep it unique in the database. Default `oauth_store_entries`.
   */
  entriesCollection?: string;
  /**
   * Upper bound in milliseconds on a whole operation, read retries included: the runtime then rejects with
   * `unavailable` (`outcomeUnknown` for a write, delete or take; the request may still complete). Default 10000.
   */
  timeoutMs?: number;
  /** @deprecated The former name of {@link FirestoreStoreOptions.timeoutMs}. */
  operationTimeoutMs?: number;
}

/** {@link FirestoreStoreOptions} with defaults applied and checked. */
export interface ResolvedOptions {
  rootCollection: string;
  entriesCollection: string;
  timeoutMs: number;
  /** Settings for the store's own client (from `url` and `settings`); undefined with `firestore`. */
  settings: Settings | undefined;
}

/** Default bound on a whole operation. */
export const DEFAULT_TIMEOUT_MS = 10_000;

function collectionPath(name: string, value: unknown, fallback: string): string {
  if (value === undefined) return fallback;
  const segments = typeof value === 'string' ? value.split('/') : [];
  if (segments.length % 2 !== 1 || !segments.every(isValidCollectionSegment)) {
    throw new ConfigurationError(
      `${name} must be a Firestore collection path: an odd number of "/"-separated ids, each non-empty, not "." or "..", not of the form __name__, at most 1500 bytes.`,
      { source: SOURCE },
    );
  }
  return value as string;
}

/** Checks the options and fills in defaults. */
export function resolveOptions(options: FirestoreStoreOptions): ResolvedOptions {
  if (typeof options !== 'object' || options === null) {
    throw new ConfigurationError('options must be an object (for example { settings: { projectId } }).', {
      source: SOURCE,
    });
  }
  if (options.firestore !== undefined && options.settings !== undefined) {
    throw new ConfigurationError('give either firestore or settings, not both.', { source: SOURCE });
  }
  if (options.timeoutMs !== undefined && options.operationTimeoutMs !== undefined) {
    throw new ConfigurationError('give timeoutMs only (operationTimeoutMs is its former name).', { source: SOURCE });
  }
  const parsed = options.url === undefined ? undefined : parseFirestoreUrl(options.url);
  const rootCollection = collectionPath(
    'rootCollection',
    options.rootCollection ?? parsed?.rootCollection,
    DEFAULT_ROOT_COLLECTION,
  );
  const entriesCollection = collectionPath('entriesCollection', options.entriesCollection, DEFAULT_ENTRIES_COLLECTION);
  if (entriesCollection.includes('/')) {
    throw new ConfigurationError('entriesCollection must be a single collection id, without "/".', {
      source: SOURCE,
    });
  }
  const timeout = options.timeoutMs ?? options.operationTimeoutMs;
  if (timeout !== undefined && !(Number.isSafeInteger(timeout) && timeout > 0)) {
    throw new ConfigurationError(`timeoutMs must be a positive integer, got ${String(timeout)}.`, {
      source: SOURCE,
    });
  }
  return {
    rootCollection,
    entriesCollection,
    timeoutMs: timeout ?? parsed?.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    settings: options.firestore ? undefined : { ...parsed?.settings, ...options.settings },
  };
}
