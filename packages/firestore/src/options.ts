import type { Firestore, Settings } from '@google-cloud/firestore';
import { ConfigurationError } from '@oauth-store/core';
import { DEFAULT_ENTRIES_COLLECTION, DEFAULT_ROOT_COLLECTION, isValidCollectionSegment, SOURCE } from './layout';

/** Options for {@link FirestoreStore}. */
export interface FirestoreStoreOptions {
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
   * Upper bound in milliseconds on a whole operation, SDK retries included. The store then rejects with
   * StoreUnavailableError (the request may still complete in the background). Default 10000.
   */
  operationTimeoutMs?: number;
}

/** {@link FirestoreStoreOptions} with defaults applied and checked. */
export interface ResolvedOptions {
  rootCollection: string;
  entriesCollection: string;
  operationTimeoutMs: number;
}

/** Default bound on a whole operation. */
export const DEFAULT_OPERATION_TIMEOUT_MS = 10_000;

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
  const rootCollection = collectionPath('rootCollection', options.rootCollection, DEFAULT_ROOT_COLLECTION);
  const entriesCollection = collectionPath('entriesCollection', options.entriesCollection, DEFAULT_ENTRIES_COLLECTION);
  if (entriesCollection.includes('/')) {
    throw new ConfigurationError('entriesCollection must be a single collection id, without "/".', {
      source: SOURCE,
    });
  }
  const timeout = options.operationTimeoutMs;
  if (timeout !== undefined && !(Number.isSafeInteger(timeout) && timeout > 0)) {
    throw new ConfigurationError(`operationTimeoutMs must be a positive integer, got ${String(timeout)}.`, {
      source: SOURCE,
    });
  }
  return { rootCollection, entriesCollection, operationTimeoutMs: timeout ?? DEFAULT_OPERATION_TIMEOUT_MS };
}
