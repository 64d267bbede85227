import { randomUUID } from 'node:crypto';
import { type Bucket, type File, Storage } from '@google-cloud/storage';
import {
  type ByteStore,
  ConflictError,
  DriverStore,
  expiresAtFor,
  InvalidValueError,
  type ListPage,
  type SetOptions,
  type StoreCapabilities,
  type StoreOperation,
  StoreUnavailableError,
} from '@oauth-store/core';
import { withDeadline } from './deadline';
import { generationOf, isLive, type ObjectInfo, uploadMetadata, writeIdOf } from './entry-metadata';
import { httpStatusOf, isNotFound, isPreconditionFailed, mapGcsError, SOURCE } from './errors';
import { collectionPrefix, decodeKey, MAX_COLLECTION_BYTES, maxKeyBytesFor, objectName } from './object-names';
import { type GcsStoreOptions, type ResolvedOptions, resolveOptions } from './options';

/**
 * How many read-check-write rounds a conditional operation makes before giving up with ConflictError. Each extra round
 * means another writer changed the same object in between, so this is only reached under heavy contention on one key.
 */
const MAX_ROUNDS = 8;
/** Most list requests one `list` call makes while skipping expired objects, so one call stays bounded. */
const MAX_LIST_REQUESTS = 5;

/** A live object's generation and resource, as read from a metadata GET. */
interface Current {
  generation: string;
  info: ObjectInfo;
}

/**
 * A {@link ByteStore} on Google Cloud Storage: one object per entry, named
 * `prefix + base64url(collection) + "/" + base64url(key)`; expiry in custom metadata checked on every read, plus
 * Custom-Time for a lifecycle rule to clean up; every write and delete conditional on the object's generation
 * (`ifGenerationMatch`), which makes `onlyIfAbsent` and `take` compare-and-swap operations. See the README.
 */
export class GcsStore extends DriverStore {
  readonly #bucket: Bucket;
  readonly #options: ResolvedOptions;

  constructor(options: GcsStoreOptions) {
    super();
    this.#options = resolveOptions(options);
    const { bucket, prefix, requestTimeoutMs, operationTimeoutMs } = this.#options;
    const storage =
      options.storage ??
      new Storage({
        ...options.storageOptions,
        timeout: options.storageOptions?.timeout ?? requestTimeoutMs,
        retryOptions: {
          // The SDK's default is to retry for up to 600 s; no point retrying past the operation's deadline.
          totalTimeout: Math.max(1, Math.ceil(operationTimeoutMs / 1000)),
          ...options.storageOptions?.retryOptions,
        },
      });
    this.#bucket = storage.bucket(bucket);
    const capabilities: StoreCapabilities = {
      name: SOURCE,
      maxKeyBytes: maxKeyBytesFor(prefix),
      maxCollectionBytes: MAX_COLLECTION_BYTES,
      maxValueBytes: this.#options.maxValueBytes,
      nativeTtl: false,
      atomicTake: true,
      compareAndSet: false,
    };
    const guarded =
      <A extends unknown[], R>(operation: StoreOperation, body: (...args: A) => Promise<R>) =>
      (...args: A) =>
        withDeadline(operationTimeoutMs, operation, () => body(...args));
    this.useDriver({
      capabilities,
      get: guarded('get', (collection: string, key: string) => this.#get(objectName(prefix, collection, key))),
      set: guarded('set', (collection: string, key: string, value: Uint8Array, setOptions: SetOptions) =>
        this.#set(objectName(prefix, collection, key), value, setOptions),
      ),
      delete: guarded('delete', (collection: string, key: string) => this.#delete(objectName(prefix, collection, key))),
      take: guarded('take', (collection: string, key: string) => this.#take(objectName(prefix, collection, key))),
      list: guarded('list', (collection: string, listOptions: { cursor: string | undefined; limit: number }) =>
        this.#list(collectionPrefix(prefix, collection), listOptions),
      ),
      // The SDK client holds no connections that need closing; a client passed in belongs to the caller anyway.
      close: async () => {},
      mapError: (error, operation) => mapGcsError(error, operation, bucket),
    });
  }

  /** The object's generation and metadata, or undefined when it does not exist. */
  async #stat(name: string): Promise<Current | undefined> {
    try {
      const [info] = await this.#bucket.file(name).getMetadata();
      const generation = generationOf(info);
      if (generation === undefined) {
        throw new StoreUnavailableError('Cloud Storage answered with an object resource without a generation.', {
          source: SOURCE,
        });
      }
      return { generation, info };
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  /**
   * The bytes of exactly this generation (so they match the metadata just read), or undefined when that generation
   * is gone. The SDK checks the bytes against the CRC32C the server reports in `x-goog-hash`.
   */
  async #download(name: string, generation: string): Promise<Uint8Array | undefined> {
    try {
      const [data] = await this.#bucket.file(name, { generation: Number(generation) }).download();
      return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  /** Deletes exactly this generation; false when another caller deleted or replaced it first (404 or 412). */
  async #deleteGeneration(name: string, generation: string): Promise<boolean> {
    try {
      await this.#bucket.file(name).delete({ ifGenerationMatch: generation });
      return true;
    } catch (error) {
      if (isNotFound(error) || isPreconditionFailed(error)) return false;
      throw error;
    }
  }

  async #get(name: string): Promise<Uint8Array | undefined> {
    for (let round = 0; round < MAX_ROUNDS; round++) {
      const current = await this.#stat(name);
      if (!current || !isLive(current.info)) return undefined;
      const value = await this.#download(name, current.generation);
      // Replaced or deleted between the two requests: read again.
      if (value !== undefined) return value;
    }
    throw this.#contention('get');
  }

  /**
   * Every write is conditional: first "must not exist" (`ifGenerationMatch=0`, the common case of a fresh code or
   * token, one request), then, after a 412, "must still be the generation just read". A conditional request is
   * idempotent, so the SDK may retry it; if a retry follows a write that landed but whose answer was lost, the 412 it
   * gets is recognised by the write id this call put in the object's metadata.
   */
  async #set(name: string, value: Uint8Array, options: SetOptions): Promise<boolean> {
    const writeId = randomUUID();
    const meta = uploadMetadata(expiresAtFor(options.ttlMs), writeId);
    let expected = '0';
    for (let round = 0; round < MAX_ROUNDS; round++) {
      try {
        await this.#bucket.file(name).save(Buffer.from(value.buffer, value.byteOffset, value.byteLength), {
          resumable: false,
          metadata: meta,
          preconditionOpts: { ifGenerationMatch: expected },
          timeout: this.#options.requestTimeoutMs,
        });
        return true;
      } catch (error) {
        if (!isPreconditionFailed(error)) throw error;
      }
      const current = await this.#stat(name);
      if (!current) {
        expected = '0';
        continue;
      }
      if (writeIdOf(current.info) === writeId) return true;
      // An expired entry counts as absent: replace it, but only that generation.
      if (options.onlyIfAbsent && isLive(current.info)) return false;
      expected = current.generation;
    }
    throw this.#contention('set');
  }

  async #delete(name: string): Promise<boolean> {
    for (let round = 0; round < MAX_ROUNDS; round++) {
      const current = await this.#stat(name);
      if (!current) return false;
      // An expired object is removed too (it is garbage), but does not count as a deleted live entry.
      if (await this.#deleteGeneration(name, current.generation)) return isLive(current.info);
    }
    throw this.#contention('delete');
  }

  /**
   * Read the generation, download those bytes, delete that generation with `ifGenerationMatch`. Cloud Storage applies
   * the conditional delete atomically, so of any number of concurrent takers exactly one gets 204; the others get 412
   * or 404, read again, and find the object gone.
   */
  async #take(name: string): Promise<Uint8Array | undefined> {
    for (let round = 0; round < MAX_ROUNDS; round++) {
      const current = await this.#stat(name);
      if (!current || !isLive(current.info)) return undefined;
      const value = await this.#download(name, current.generation);
      if (value === undefined) continue;
      if (await this.#deleteGeneration(name, current.generation)) return value;
    }
    throw this.#contention('take');
  }

  /**
   * One page of keys. The cursor is Cloud Storage's own page token, which resumes after the last name returned, so
   * objects written or deleted meanwhile shift nothing. Expired objects are filtered out using the metadata that
   * comes with each list item (no request per object); a page may therefore hold fewer than `limit` keys.
   */
  async #list(prefix: string, { cursor, limit }: { cursor: string | undefined; limit: number }): Promise<ListPage> {
    const keys: string[] = [];
    let pageToken = cursor;
    const now = Date.now();
    for (let request = 0; request < MAX_LIST_REQUESTS && keys.length < limit; request++) {
      let files: File[];
      let next: { pageToken?: string } | null | undefined;
      try {
        [files, next] = await this.#bucket.getFiles({
          prefix,
          // Names with a further "/" are not ours (a store with a longer prefix): they become `prefixes`, not items.
          delimiter: '/',
          maxResults: limit - keys.length,
          autoPaginate: false,
          ...(pageToken === undefined ? {} : { pageToken }),
        });
      } catch (error) {
        if (cursor !== undefined && httpStatusOf(error) === 400) {
          throw new InvalidValueError('cursor is not valid here: pass the cursor the previous list call returned.', {
            source: SOURCE,
          });
        }
        throw error;
      }
      for (const file of files) {
        const key = decodeKey(file.name.slice(prefix.length));
        if (key !== undefined && isLive(file.metadata as ObjectInfo, now)) keys.push(key);
      }
      pageToken = next?.pageToken;
      if (pageToken === undefined) break;
    }
    return pageToken === undefined ? { keys } : { keys, cursor: pageToken };
  }

  #contention(operation: string): ConflictError {
    return new ConflictError(
      `${operation} gave up after ${MAX_ROUNDS} rounds: other writers kept changing the same entry. Retry it.`,
      { source: SOURCE },
    );
  }
}
