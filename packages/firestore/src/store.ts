import {
  type CollectionReference,
  type DocumentData,
  type DocumentReference,
  type DocumentSnapshot,
  Firestore,
} from '@google-cloud/firestore';
import {
  type ByteStore,
  ConflictError,
  DriverStore,
  expiresAtFor,
  InvalidValueError,
  isExpired,
  type ListPage,
  type SetOptions,
  type StoreCapabilities,
  type StoreOperation,
} from '@oauth-store/core';
import { decodeCursor, encodeCursor } from './cursor';
import { isAlreadyExists, isLostRace, mapFirestoreError } from './errors';
import {
  collectionId,
  EXPIRES_AT_FIELD,
  keyFromId,
  keyId,
  MAX_COLLECTION_BYTES,
  MAX_KEY_BYTES,
  MAX_VALUE_BYTES,
  SOURCE,
  VALUE_FIELD,
} from './layout';
import { type FirestoreStoreOptions, type ResolvedOptions, resolveOptions } from './options';
import { withTimeout } from './timeout';

/**
 * How many times a conditional operation re-reads after losing a race before giving up with ConflictError. Each lost
 * race means another writer made progress on the same entry, so a handful is plenty.
 */
const MAX_ATTEMPTS = 10;
/** How many queries one `list` call may issue to fill a page past expired-but-not-yet-deleted entries. */
const MAX_LIST_ROUNDS = 4;
/** `__name__`, Firestore's document-id field path (FieldPath.documentId()), as a string so any SDK copy accepts it. */
const DOCUMENT_ID = '__name__';

/** One stored entry as read from its document. */
interface Entry {
  value: Uint8Array;
  expiresAt: number | undefined;
}

function millisOf(value: unknown): number | undefined {
  if (value === undefined) return undefined;
  const toMillis = (value as { toMillis?: unknown } | null)?.toMillis;
  if (typeof toMillis !== 'function') throw malformed();
  const millis = toMillis.call(value) as unknown;
  if (typeof millis !== 'number' || !Number.isFinite(millis)) throw malformed();
  return millis;
}

function malformed(): InvalidValueError {
  return new InvalidValueError(
    `a document under the store's root collection does not have the layout this adapter writes (a bytes field "${VALUE_FIELD}" and an optional timestamp "${EXPIRES_AT_FIELD}"). Keep other data out of the store's collections.`,
    { source: SOURCE },
  );
}

function readEntry(snapshot: DocumentSnapshot): Entry {
  const data = snapshot.data() ?? {};
  const value = data[VALUE_FIELD] as unknown;
  if (!(value instanceof Uint8Array)) throw malformed();
  // A plain Uint8Array copy, not the SDK's Buffer: callers may compare or keep it.
  return { value: new Uint8Array(value), expiresAt: millisOf(data[EXPIRES_AT_FIELD]) };
}

function documentData(value: Uint8Array, ttlMs: number | undefined): DocumentData {
  // Copied: the SDK serializes lazily at commit time, and the caller may reuse its buffer meanwhile.
  const data: DocumentData = { [VALUE_FIELD]: Buffer.from(value) };
  const expiresAt = expiresAtFor(ttlMs);
  // A Date, which every SDK copy serializes as a Firestore timestamp (what a TTL policy needs).
  if (expiresAt !== undefined) data[EXPIRES_AT_FIELD] = new Date(expiresAt);
  return data;
}

/**
 * A {@link ByteStore} on Google Cloud Firestore (Native mode): one document per entry under
 * `{rootCollection}/{collection id}/{entriesCollection}/{key id}`. `onlyIfAbsent` uses `create()` (an exists=false
 * precondition); `take` and `delete` read the document and delete it with a precondition on the update time they
 * read, so of concurrent callers exactly one delete commits. Expiry is checked on every read (TTL deletion lags up to
 * a day); a Firestore TTL policy on `expiresAt` does the cleanup. See the README for the layout, the TTL command and
 * the atomicity argument.
 */
export class FirestoreStore extends DriverStore {
  readonly #db: Firestore;
  readonly #ownsClient: boolean;
  readonly #options: ResolvedOptions;
  /** Operations whose SDK requests may still be running (also after their call timed out). */
  readonly #inFlight = new Set<Promise<unknown>>();

  constructor(options: FirestoreStoreOptions = {}) {
    super();
    this.#options = resolveOptions(options);
    this.#ownsClient = options.firestore === undefined;
    this.#db = options.firestore ?? new Firestore(options.settings);
    const capabilities: StoreCapabilities = {
      name: SOURCE,
      maxKeyBytes: MAX_KEY_BYTES,
      maxCollectionBytes: MAX_COLLECTION_BYTES,
      maxValueBytes: MAX_VALUE_BYTES,
      nativeTtl: true,
      atomicTake: true,
      compareAndSet: false,
    };
    const bounded =
      <A extends unknown[], R>(body: (signal: AbortSignal, ...args: A) => Promise<R>) =>
      (...args: A): Promise<R> =>
        withTimeout(this.#options.operationTimeoutMs, (signal) => this.#track(body(signal, ...args)));
    this.useDriver({
      capabilities,
      get: bounded((_signal, collection: string, key: string) => this.#get(collection, key)),
      set: bounded((signal, collection: string, key: string, value: Uint8Array, options: SetOptions) =>
        this.#set(signal, collection, key, value, options),
      ),
      delete: bounded(async (signal, collection: string, key: string) => {
        return (await this.#remove(signal, collection, key)) !== undefined;
      }),
      take: bounded((signal, collection: string, key: string) => this.#remove(signal, collection, key)),
      list: bounded((signal, collection: string, page: { cursor: string | undefined; limit: number }) =>
        this.#list(signal, collection, page.cursor, page.limit),
      ),
      close: () => this.#close(),
      mapError: (error: unknown, operation: StoreOperation) => mapFirestoreError(error, operation),
    });
  }

  /**
   * Terminates the client the store created. A call that timed out leaves its SDK request running (the SDK keeps
   * retrying an unreachable backend for up to minutes), and terminating the client under it makes the SDK's retry loop
   * (v7) raise an unhandled rejection. So: wait up to `operationTimeoutMs` for such requests; if some are still running,
   * terminate once they settle, in the background, and resolve now.
   */
  async #close(): Promise<void> {
    if (!this.#ownsClient) return;
    const pending = Promise.allSettled(this.#inFlight);
    const settled = await withTimeout(this.#options.operationTimeoutMs, () => pending).then(
      () => true,
      () => false,
    );
    if (settled) {
      await this.#db.terminate();
    } else {
      void pending.then(() => this.#db.terminate()).catch(() => {});
    }
  }

  /** Remembers `operation` until it settles, so `close()` can wait for it. */
  #track<T>(operation: Promise<T>): Promise<T> {
    this.#inFlight.add(operation);
    const forget = () => this.#inFlight.delete(operation);
    operation.then(forget, forget);
    return operation;
  }

  #entries(collection: string): CollectionReference {
    const { rootCollection, entriesCollection } = this.#options;
    return this.#db.collection(`${rootCollection}/${collectionId(collection)}/${entriesCollection}`);
  }

  #doc(collection: string, key: string): DocumentReference {
    return this.#entries(collection).doc(keyId(key));
  }

  async #get(collection: string, key: string): Promise<Uint8Array | undefined> {
    const snapshot = await this.#doc(collection, key).get();
    if (!snapshot.exists) return undefined;
    const entry = readEntry(snapshot);
    return isExpired(entry.expiresAt) ? undefined : entry.value;
  }

  async #set(
    signal: AbortSignal,
    collection: string,
    key: string,
    value: Uint8Array,
    options: SetOptions,
  ): Promise<boolean> {
    const doc = this.#doc(collection, key);
    const data = documentData(value, options.ttlMs);
    if (!options.onlyIfAbsent) {
      // A full overwrite (no merge): an earlier expiresAt does not survive a write without TTL.
      await doc.set(data);
      return true;
    }
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      signal.throwIfAborted();
      try {
        // create() commits with the precondition exists=false: it fails with ALREADY_EXISTS if any document is there.
        await doc.create(data);
        return true;
      } catch (error) {
        if (!isAlreadyExists(error)) throw error;
      }
      signal.throwIfAborted();
      const snapshot = await doc.get();
      if (!snapshot.exists) continue; // Deleted since: create again.
      if (!isExpired(readEntry(snapshot).expiresAt)) return false;
      // Expired but not yet removed by the TTL policy: it counts as absent. Delete exactly the version we saw (a
      // concurrent writer that replaced it makes this fail), then loop to create() again, which again only succeeds
      // if nobody else created the entry meanwhile.
      await this.#deleteIfUnchanged(doc, snapshot);
    }
    throw new ConflictError(`set with onlyIfAbsent lost to concurrent writers ${MAX_ATTEMPTS} times; retry it.`, {
      source: SOURCE,
    });
  }

  /**
   * The core of `take` and `delete`: reads the entry and deletes exactly the version it read (precondition
   * update_time = the read's updateTime). Resolves the value when this call's delete removed a live entry, undefined
   * when there was none. A lost race (another caller deleted or replaced it first) re-reads.
   */
  async #remove(signal: AbortSignal, collection: string, key: string): Promise<Uint8Array | undefined> {
    const doc = this.#doc(collection, key);
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      signal.throwIfAborted();
      const snapshot = await doc.get();
      if (!snapshot.exists) return undefined;
      const entry = readEntry(snapshot);
      if (isExpired(entry.expiresAt)) {
        // Not live, so nothing to return; remove it now rather than wait for the TTL policy.
        await this.#deleteIfUnchanged(doc, snapshot);
        return undefined;
      }
      signal.throwIfAborted();
      if (await this.#deleteIfUnchanged(doc, snapshot)) return entry.value;
    }
    throw new ConflictError(`the entry kept changing while being removed (${MAX_ATTEMPTS} attempts); retry it.`, {
      source: SOURCE,
    });
  }

  /** Deletes the document only if it is still the version `snapshot` read; false when another writer got there first. */
  async #deleteIfUnchanged(doc: DocumentReference, snapshot: DocumentSnapshot): Promise<boolean> {
    const lastUpdateTime = snapshot.updateTime;
    if (!lastUpdateTime) return false;
    try {
      await doc.delete({ lastUpdateTime });
      return true;
    } catch (error) {
      if (isLostRace(error)) return false;
      throw error;
    }
  }

  async #list(signal: AbortSignal, collection: string, cursor: string | undefined, limit: number): Promise<ListPage> {
    const entries = this.#entries(collection);
    let after = cursor === undefined ? undefined : decodeCursor(cursor);
    const keys: string[] = [];
    let lastReturned: string | undefined;
    for (let round = 0; round < MAX_LIST_ROUNDS; round++) {
      signal.throwIfAborted();
      const want = limit - keys.length;
      // Ordered by document id (no index needed); only the expiry is fetched, never the values. One extra document
      // tells whether another page exists.
      let query = entries
        .orderBy(DOCUMENT_ID)
        .select(EXPIRES_AT_FIELD)
        .limit(want + 1);
      if (after !== undefined) query = query.startAfter(after);
      const { docs } = await query.get();
      const now = Date.now();
      for (const document of docs) {
        if (keys.length === limit) {
          // A further document exists past a full page.
          return { keys, cursor: encodeCursor(lastReturned ?? document.id) };
        }
        after = document.id;
        if (isExpired(millisOf(document.get(EXPIRES_AT_FIELD)), now)) continue;
        keys.push(keyFromId(document.id));
        lastReturned = document.id;
      }
      if (docs.length < want + 1) return { keys };
    }
    // Many expired entries in a row: return what was found and continue after the last one scanned.
    return after === undefined ? { keys } : { keys, cursor: encodeCursor(after) };
  }

  /**
   * Operations whose Firestore requests are still running, including requests left behind by calls that timed out
   * (the SDK keeps retrying an unreachable backend for minutes). For graceful shutdown and diagnostics: `close()`
   * waits up to `operationTimeoutMs` for them before it terminates a client the store created.
   */
  get pendingOperations(): number {
    return this.#inFlight.size;
  }
}
