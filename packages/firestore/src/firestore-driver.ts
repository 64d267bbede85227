import type {
  CollectionReference,
  DocumentData,
  DocumentReference,
  DocumentSnapshot,
  Firestore,
} from '@google-cloud/firestore';
import {
  ConflictError,
  type DriverRecord,
  decodeFrame,
  InvalidValueError,
  type ListPage,
  type OAuthStoreError,
  type OperationContext,
  type StoreCapabilities,
  type StoreDriver,
  type StoreOperation,
  sameVersion,
  type WriteCondition,
} from '@oauth-store/core';
import { decodeCursor, encodeCursor } from './cursor';
import { isAlreadyExists, isLostRace, mapFirestoreError, provesNotApplied } from './errors';
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
import type { ResolvedOptions } from './options';
import { commitOnce } from './single-commit';

/**
 * How many read-then-conditional-commit rounds an operation makes before giving up with ConflictError. Each lost round
 * means another writer changed the same entry in between, so a handful is plenty.
 */
const MAX_ROUNDS = 10;
/** How many queries one `list` call may issue to fill a page past expired-but-not-yet-deleted entries. */
const MAX_LIST_ROUNDS = 4;
/** `__name__`, Firestore's document-id field path (FieldPath.documentId()), as a string so any SDK copy accepts it. */
const DOCUMENT_ID = '__name__';

/** The capabilities of every Firestore store. */
export const CAPABILITIES: StoreCapabilities = {
  name: SOURCE,
  maxKeyBytes: MAX_KEY_BYTES,
  maxCollectionBytes: MAX_COLLECTION_BYTES,
  maxValueBytes: MAX_VALUE_BYTES,
  nativeTtl: true,
  atomicTake: true,
  compareAndSet: true,
};

/** A document's record, read with the update time a precondition can name. */
interface Current {
  bytes: Uint8Array;
  snapshot: DocumentSnapshot;
}

function malformed(): InvalidValueError {
  return new InvalidValueError(
    `a document under the store's root collection does not have the layout this adapter writes (a bytes field "${VALUE_FIELD}" and an optional timestamp "${EXPIRES_AT_FIELD}"). Keep other data out of the store's collections.`,
    { source: SOURCE },
  );
}

/** Epoch ms of a timestamp field; undefined when absent or null (no expiry). */
function millisOf(value: unknown): number | undefined {
  if (value === undefined || value === null) return undefined;
  const toMillis = (value as { toMillis?: unknown }).toMillis;
  if (typeof toMillis !== 'function') throw malformed();
  const millis = toMillis.call(value) as unknown;
  if (typeof millis !== 'number' || !Number.isFinite(millis)) throw malformed();
  return millis;
}

/**
 * The fields of a record's document: the framed record verbatim, and its expiry as a timestamp for the TTL policy
 * (a `Date`, which every SDK copy serializes as a timestamp). `update` must name every field, so there a record
 * without expiry writes `expiresAt: null` (a TTL policy ignores non-timestamp values); `set` and `create` replace the
 * whole document and simply leave it out.
 */
function documentData(record: DriverRecord, forUpdate: boolean): DocumentData {
  const data: DocumentData = { [VALUE_FIELD]: record.bytes };
  if (record.expiresAt !== undefined) data[EXPIRES_AT_FIELD] = new Date(record.expiresAt);
  else if (forUpdate) data[EXPIRES_AT_FIELD] = null;
  return data;
}

/**
 * The Firestore driver: one document per entry under `{rootCollection}/{collection id}/{entriesCollection}/{key id}`.
 * Conditions are evaluated on a read of the document and committed with a precondition on the update time that read
 * returned (`lastUpdateTime`), which Firestore checks atomically with the write or delete: if anything wrote the
 * document since, the commit fails and nothing changes. Every write carries a fresh version, so "same update time"
 * implies "same record". `onlyIfAbsent` first tries `create` (an exists=false precondition). "Live" is judged by the
 * frame's expiry against the operation's start on the application clock. No transactions are used, and every commit
 * is sent once (see single-commit.ts).
 */
export class FirestoreDriver implements StoreDriver {
  readonly capabilities = CAPABILITIES;
  readonly timeoutMs: number;
  readonly #db: Firestore;
  readonly #ownsClient: boolean;
  readonly #options: ResolvedOptions;
  /** Operations whose SDK requests may still be running (also after the runtime's deadline passed). */
  readonly #inFlight = new Set<Promise<unknown>>();

  constructor(db: Firestore, ownsClient: boolean, options: ResolvedOptions) {
    this.#db = db;
    this.#ownsClient = ownsClient;
    this.#options = options;
    this.timeoutMs = options.timeoutMs;
  }

  /** How many operations still have SDK requests running; see `FirestoreStore.pendingOperations`. */
  get pending(): number {
    return this.#inFlight.size;
  }

  read(collection: string, key: string): Promise<Uint8Array | undefined> {
    return this.#track(this.#current(this.#doc(collection, key)).then((current) => current?.bytes));
  }

  write(
    collection: string,
    key: string,
    record: DriverRecord,
    condition: WriteCondition,
    context: OperationContext,
  ): Promise<boolean> {
    return this.#track(this.#write(this.#doc(collection, key), record, condition, context));
  }

  remove(
    collection: string,
    key: string,
    condition: Exclude<WriteCondition, { kind: 'absent' }>,
    context: OperationContext,
  ): Promise<boolean> {
    return this.#track(this.#remove(this.#doc(collection, key), condition, context));
  }

  take(collection: string, key: string, context: OperationContext): Promise<Uint8Array | undefined> {
    return this.#track(this.#take(this.#doc(collection, key), context));
  }

  list(
    collection: string,
    page: { cursor: string | undefined; limit: number },
    context: OperationContext,
  ): Promise<ListPage> {
    return this.#track(this.#list(collection, page.cursor, page.limit, context));
  }

  /**
   * Terminates the client the store created. A call the runtime gave up on may leave its SDK request running (the SDK
   * retries reads of an unreachable backend for up to minutes), and terminating the client under it makes the SDK's
   * retry loop (v7) raise an unhandled rejection. So: wait up to `timeoutMs` for such requests; if some are still
   * running, terminate once they settle, in the background, and resolve now.
   */
  async close(): Promise<void> {
    if (!this.#ownsClient) return;
    const pending = Promise.allSettled(this.#inFlight);
    let timer: NodeJS.Timeout | undefined;
    const settled = await Promise.race([
      pending.then(() => true),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), this.timeoutMs);
      }),
    ]);
    clearTimeout(timer);
    if (settled) {
      await this.#db.terminate();
    } else {
      void pending.then(() => this.#db.terminate()).catch(() => {});
    }
  }

  mapError(error: unknown, operation: StoreOperation): OAuthStoreError {
    return mapFirestoreError(error, operation);
  }

  notApplied(error: unknown): boolean {
    return provesNotApplied(error);
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

  /** The document's record and snapshot, or undefined when there is no document. */
  async #current(doc: DocumentReference): Promise<Current | undefined> {
    const snapshot = await doc.get();
    if (!snapshot.exists) return undefined;
    const value = snapshot.get(VALUE_FIELD) as unknown;
    if (!(value instanceof Uint8Array)) throw malformed();
    return { bytes: new Uint8Array(value.buffer, value.byteOffset, value.byteLength), snapshot };
  }

  #isLive(current: Current, context: OperationContext): boolean {
    const { expiresAt } = decodeFrame(current.bytes, SOURCE);
    return expiresAt === undefined || expiresAt > context.now;
  }

  async #write(
    doc: DocumentReference,
    record: DriverRecord,
    condition: WriteCondition,
    context: OperationContext,
  ): Promise<boolean> {
    if (condition.kind === 'none') {
      // A full overwrite (no merge): an earlier expiresAt does not survive a write without TTL.
      await commitOnce(this.#db, doc, { kind: 'set', data: documentData(record, false) });
      return true;
    }
    for (let round = 0; round < MAX_ROUNDS; round++) {
      if (condition.kind === 'absent') {
        try {
          await commitOnce(this.#db, doc, { kind: 'create', data: documentData(record, false) });
          return true;
        } catch (error) {
          if (!isAlreadyExists(error)) throw error;
        }
      }
      const current = await this.#current(doc);
      if (!current) {
        if (condition.kind === 'absent') continue; // Deleted since: create again.
        return false;
      }
      const live = this.#isLive(current, context);
      if (condition.kind === 'absent' && live) return false;
      if (
        condition.kind === 'version' &&
        (!live || !sameVersion(decodeFrame(current.bytes, SOURCE).versionBytes, condition.versionBytes))
      ) {
        return false;
      }
      // Replace exactly the record judged above (an expired one for "absent", the matching one for "version").
      if (await this.#commitIfUnchanged(doc, current, { kind: 'update', data: documentData(record, true) })) {
        return true;
      }
      // Changed since the read: a version condition no longer holds; "absent" is judged again.
      if (condition.kind === 'version') return false;
    }
    throw new ConflictError(
      `set kept losing to concurrent writers of the same entry (${MAX_ROUNDS} rounds); retry it.`,
      {
        source: SOURCE,
      },
    );
  }

  async #remove(
    doc: DocumentReference,
    condition: Exclude<WriteCondition, { kind: 'absent' }>,
    context: OperationContext,
  ): Promise<boolean> {
    for (let round = 0; round < MAX_ROUNDS; round++) {
      const current = await this.#current(doc);
      if (!current) return false;
      const live = this.#isLive(current, context);
      if (
        condition.kind === 'version' &&
        (!live || !sameVersion(decodeFrame(current.bytes, SOURCE).versionBytes, condition.versionBytes))
      ) {
        return false;
      }
      // An expired document is removed too (it is garbage), but does not count as a deleted live entry.
      if (await this.#commitIfUnchanged(doc, current, { kind: 'delete' })) return live;
      if (condition.kind === 'version') return false;
    }
    throw new ConflictError(`the entry kept changing while being deleted (${MAX_ROUNDS} rounds); retry it.`, {
      source: SOURCE,
    });
  }

  /**
   * Reads the record and deletes exactly the version read (precondition update_time = the read's). Of concurrent
   * takers exactly one delete commits; the others fail the precondition, read again and find the document gone.
   */
  async #take(doc: DocumentReference, context: OperationContext): Promise<Uint8Array | undefined> {
    for (let round = 0; round < MAX_ROUNDS; round++) {
      const current = await this.#current(doc);
      if (!current) return undefined;
      if (!this.#isLive(current, context)) {
        // Not live, so nothing to return; remove it now rather than wait for the TTL policy.
        await this.#commitIfUnchanged(doc, current, { kind: 'delete' });
        return undefined;
      }
      if (await this.#commitIfUnchanged(doc, current, { kind: 'delete' })) return current.bytes;
    }
    throw new ConflictError(`the entry kept changing while being taken (${MAX_ROUNDS} rounds); retry it.`, {
      source: SOURCE,
    });
  }

  /** Commits the update or delete only if the document is still the version `current` read; false when it changed. */
  async #commitIfUnchanged(
    doc: DocumentReference,
    current: Current,
    write: { kind: 'update'; data: DocumentData } | { kind: 'delete' },
  ): Promise<boolean> {
    const lastUpdateTime = current.snapshot.updateTime;
    if (!lastUpdateTime) return false;
    try {
      await commitOnce(
        this.#db,
        doc,
        write.kind === 'update'
          ? { kind: 'update', data: write.data, precondition: { lastUpdateTime } }
          : { kind: 'delete', precondition: { lastUpdateTime } },
      );
      return true;
    } catch (error) {
      if (isLostRace(error)) return false;
      throw error;
    }
  }

  async #list(collection: string, cursor: string | undefined, limit: number, context: OperationContext) {
    const entries = this.#entries(collection);
    let after = cursor === undefined ? undefined : decodeCursor(cursor);
    const keys: string[] = [];
    let lastReturned: string | undefined;
    for (let round = 0; round < MAX_LIST_ROUNDS; round++) {
      const want = limit - keys.length;
      // Ordered by document id (no index needed); only the expiry is fetched, never the values. One extra document
      // tells whether another page exists.
      let query = entries
        .orderBy(DOCUMENT_ID)
        .select(EXPIRES_AT_FIELD)
        .limit(want + 1);
      if (after !== undefined) query = query.startAfter(after);
      const { docs } = await query.get();
      for (const document of docs) {
        if (keys.length === limit) {
          // A further document exists past a full page.
          return { keys, cursor: encodeCursor(lastReturned ?? document.id) };
        }
        after = document.id;
        const expiresAt = millisOf(document.get(EXPIRES_AT_FIELD));
        if (expiresAt !== undefined && expiresAt <= context.now) continue;
        keys.push(keyFromId(document.id));
        lastReturned = document.id;
      }
      if (docs.length < want + 1) return { keys };
    }
    // Many expired entries in a row: return what was found and continue after the last one scanned.
    return after === undefined ? { keys } : { keys, cursor: encodeCursor(after) };
  }
}
