import { Firestore } from '@google-cloud/firestore';
import { isOAuthStoreError, RuntimeStore, StoreClosedError, StoreUnavailableError } from '@oauth-store/core';
import { mapFirestoreError } from './errors';
import { FirestoreDriver } from './firestore-driver';
import { SOURCE } from './layout';
import { type FirestoreStoreOptions, resolveOptions } from './options';
import { assertSingleCommitSupported } from './single-commit';

/** The document `ready()` reads: a fixed id under the root collection that no entry uses (entries live deeper). */
const READY_DOCUMENT = 'oauth-store-ready-check';

/**
 * A `ByteStore` on Google Cloud Firestore (Native mode): one document per entry under
 * `{rootCollection}/{collection id}/{entriesCollection}/{key id}`. `onlyIfAbsent` uses `create()` (an exists=false
 * precondition); compare-and-set, `take` and `delete` read the document and commit with a precondition on the update
 * time they read, so of concurrent callers exactly one commits. Every commit is sent once (never retried by the SDK).
 * Expiry lives in the record (the runtime filters it); a Firestore TTL policy on `expiresAt` does the cleanup. Built on
 * core's adapter runtime; see the README for the layout, the TTL command and the atomicity argument.
 */
export class FirestoreStore extends RuntimeStore {
  readonly #db: Firestore;
  readonly #driver: FirestoreDriver;
  readonly #rootCollection: string;
  readonly #timeoutMs: number;

  constructor(options: FirestoreStoreOptions = {}) {
    const resolved = resolveOptions(options);
    const db = options.firestore ?? new Firestore(resolved.settings);
    assertSingleCommitSupported(db);
    const driver = new FirestoreDriver(db, options.firestore === undefined, resolved);
    super(driver);
    this.#db = db;
    this.#driver = driver;
    this.#rootCollection = resolved.rootCollection;
    this.#timeoutMs = resolved.timeoutMs;
  }

  /**
   * Checks the configuration against Firestore: the project and database exist and the credentials may read (one
   * document read under the root collection). Rejects with a typed error saying what to fix: `configuration` for a
   * missing database or refused credentials, `unavailable` when Firestore does not answer within `timeoutMs`.
   */
  async ready(): Promise<void> {
    if (this.closed) throw new StoreClosedError('ready called after close(). Create a new store.', { source: SOURCE });
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new StoreUnavailableError(`ready: no answer from Firestore within ${this.#timeoutMs} ms.`, {
              source: SOURCE,
            }),
          ),
        this.#timeoutMs,
      );
    });
    try {
      await Promise.race([this.#db.doc(`${this.#rootCollection}/${READY_DOCUMENT}`).get(), deadline]);
    } catch (error) {
      throw isOAuthStoreError(error) ? error : mapFirestoreError(error, 'ready');
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Operations whose Firestore requests are still running, including requests left behind by calls the runtime gave
   * up on at their deadline (the SDK keeps retrying reads of an unreachable backend for minutes). For graceful
   * shutdown and diagnostics: `close()` waits up to `timeoutMs` for them before it terminates a client the store created.
   */
  get pendingOperations(): number {
    return this.#driver.pending;
  }
}

/**
 * Creates a {@link FirestoreStore} from options, for example `{ url: 'firestore://my-project?database=oauth' }`. Call
 * `await store.ready()` to check the database and credentials before serving.
 */
export function createFirestoreStore(options: FirestoreStoreOptions = {}): FirestoreStore {
  return new FirestoreStore(options);
}
