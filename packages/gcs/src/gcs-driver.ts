import type { Bucket, File } from '@google-cloud/storage';
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
import { isListedLive, type ObjectInfo, uploadMetadata } from './entry-metadata';
import { httpStatusOf, isNotFound, isPreconditionFailed, mapGcsError, provesNotApplied, SOURCE } from './errors';
import { collectionPrefix, decodeKey, MAX_COLLECTION_BYTES, maxKeyBytesFor, objectName } from './object-names';
import type { ResolvedOptions } from './options';
import type { StorageClients } from './storage-clients';

/**
 * How many read-then-conditional-write rounds an operation makes before giving up with ConflictError. Each extra round
 * means another writer replaced the same object in between, so this is only reached under heavy contention on one key.
 */
const MAX_ROUNDS = 8;
/** Most list requests one `list` call makes while skipping expired objects, so one call stays bounded. */
const MAX_LIST_REQUESTS = 5;

/** An object's bytes together with the generation they belong to (from the same download response). */
interface Current {
  bytes: Uint8Array;
  generation: string;
}

/**
 * The Cloud Storage driver: one object per entry holding the framed record, named
 * `prefix + base64url(collection) + "/" + base64url(key)`.
 *
 * Conditions are checked through generations, which Cloud Storage compares atomically with a write or delete
 * (`ifGenerationMatch`): a condition on the record (absent, this version, live) is evaluated on bytes downloaded
 * together with their generation, and the write or delete then applies only if that generation is still the live
 * one. A generation changes on every upload, and every upload carries a fresh version, so "same generation" implies
 * "same record". "Live" is judged by the frame's expiry against the operation's start on the application clock.
 * Writes, deletes and takes go through a client with retries off (see storage-clients.ts).
 */
export class GcsDriver implements StoreDriver {
  readonly capabilities: StoreCapabilities;
  readonly timeoutMs: number;
  readonly #reads: Bucket;
  readonly #writes: Bucket;
  readonly #options: ResolvedOptions;

  constructor(clients: StorageClients, options: ResolvedOptions) {
    this.#options = options;
    this.timeoutMs = options.timeoutMs;
    this.#reads = clients.reads.bucket(options.bucket);
    this.#writes = clients.writes.bucket(options.bucket);
    this.capabilities = {
      name: SOURCE,
      maxKeyBytes: maxKeyBytesFor(options.prefix),
      maxCollectionBytes: MAX_COLLECTION_BYTES,
      maxValueBytes: options.maxValueBytes,
      // Cloud Storage deletes nothing at expiry by itself; a lifecycle rule reclaims expired objects within days.
      nativeTtl: false,
      atomicTake: true,
      compareAndSet: true,
    };
  }

  async read(collection: string, key: string): Promise<Uint8Array | undefined> {
    return (await this.#current(this.#name(collection, key)))?.bytes;
  }

  async write(
    collection: string,
    key: string,
    record: DriverRecord,
    condition: WriteCondition,
    context: OperationContext,
  ): Promise<boolean> {
    const name = this.#name(collection, key);
    if (condition.kind === 'none') {
      await this.#upload(name, record, undefined);
      return true;
    }
    // "Absent" is tried first as "no object at all" (generation 0): the common case of a fresh code, one request.
    let expected: string | undefined = condition.kind === 'absent' ? '0' : undefined;
    for (let round = 0; round < MAX_ROUNDS; round++) {
      if (expected !== undefined) {
        if (await this.#upload(name, record, expected)) return true;
        // An "absent" precondition on a generation we judged: it changed since, so judge again.
      }
      const current = await this.#current(name);
      if (condition.kind === 'absent') {
        // An expired record counts as absent: replace exactly that generation.
        if (current && this.#isLive(current, context)) return false;
        expected = current?.generation ?? '0';
        continue;
      }
      if (!current || !this.#isLive(current, context) || !this.#hasVersion(current, condition.versionBytes)) {
        return false;
      }
      // The version matches on this generation: the upload applies only if it is still the live one. If not, a
      // newer upload (with another version) replaced it, so the condition no longer holds.
      return this.#upload(name, record, current.generation);
    }
    throw this.#contention('set');
  }

  async remove(
    collection: string,
    key: string,
    condition: Exclude<WriteCondition, { kind: 'absent' }>,
    context: OperationContext,
  ): Promise<boolean> {
    const name = this.#name(collection, key);
    for (let round = 0; round < MAX_ROUNDS; round++) {
      const current = await this.#current(name);
      if (!current) return false;
      const live = this.#isLive(current, context);
      if (condition.kind === 'version' && (!live || !this.#hasVersion(current, condition.versionBytes))) return false;
      // An expired object is removed too (it is garbage), but does not count as a deleted live entry.
      if (await this.#deleteGeneration(name, current.generation)) return live;
      // Replaced or deleted since the read: a version condition no longer holds; otherwise judge the new state.
      if (condition.kind === 'version') return false;
    }
    throw this.#contention('delete');
  }

  /**
   * Read the record and its generation, then delete that generation with `ifGenerationMatch`. Cloud Storage applies
   * the conditional delete atomically, so of any number of concurrent takers exactly one gets 204; the others get 412
   * or 404, read again, and find the object gone.
   */
  async take(collection: string, key: string, context: OperationContext): Promise<Uint8Array | undefined> {
    const name = this.#name(collection, key);
    for (let round = 0; round < MAX_ROUNDS; round++) {
      const current = await this.#current(name);
      if (!current) return undefined;
      if (!this.#isLive(current, context)) {
        // Not live, so nothing to return; remove it now rather than wait for the lifecycle rule.
        await this.#deleteGeneration(name, current.generation);
        return undefined;
      }
      if (await this.#deleteGeneration(name, current.generation)) return current.bytes;
    }
    throw this.#contention('take');
  }

  /**
   * One page of keys. The cursor is Cloud Storage's own page token, which resumes after the last name returned, so
   * objects written or deleted meanwhile shift nothing. Expired objects are filtered out using the `expires-at`
   * metadata that comes with each list item (no request per object); a page may therefore hold fewer than `limit` keys.
   */
  async list(
    collection: string,
    { cursor, limit }: { cursor: string | undefined; limit: number },
    context: OperationContext,
  ): Promise<ListPage> {
    const prefix = collectionPrefix(this.#options.prefix, collection);
    const keys: string[] = [];
    let pageToken = cursor;
    for (let request = 0; request < MAX_LIST_REQUESTS && keys.length < limit; request++) {
      let files: File[];
      let next: { pageToken?: string } | null | undefined;
      try {
        [files, next] = await this.#reads.getFiles({
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
        if (key !== undefined && isListedLive(file.metadata as ObjectInfo, context.now)) keys.push(key);
      }
      pageToken = next?.pageToken;
      if (pageToken === undefined) break;
    }
    return pageToken === undefined ? { keys } : { keys, cursor: pageToken };
  }

  // The SDK clients hold no connections that need closing (HTTP keep-alive sockets time out on their own).
  async close(): Promise<void> {}

  mapError(error: unknown, operation: StoreOperation): OAuthStoreError {
    return mapGcsError(error, operation, this.#options.bucket);
  }

  notApplied(error: unknown): boolean {
    return provesNotApplied(error);
  }

  #name(collection: string, key: string): string {
    return objectName(this.#options.prefix, collection, key);
  }

  #isLive(current: Current, context: OperationContext): boolean {
    const { expiresAt } = decodeFrame(current.bytes, SOURCE);
    return expiresAt === undefined || expiresAt > context.now;
  }

  #hasVersion(current: Current, versionBytes: Uint8Array): boolean {
    return sameVersion(decodeFrame(current.bytes, SOURCE).versionBytes, versionBytes);
  }

  /**
   * The object's bytes and their generation from one media download (the generation is the `x-goog-generation`
   * header of the same response), or undefined when there is no object. The SDK checks the bytes against the CRC32C
   * the server reports in `x-goog-hash`. Reads use the retrying client: a download changes nothing.
   */
  #current(name: string): Promise<Current | undefined> {
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      let generation: string | undefined;
      this.#reads
        .file(name)
        .createReadStream()
        .on('response', (response: { headers?: Record<string, unknown> }) => {
          const header = response.headers?.['x-goog-generation'];
          generation = typeof header === 'string' && /^\d+$/.test(header) ? header : undefined;
        })
        .on('data', (chunk: Buffer) => chunks.push(chunk))
        .on('error', (error: unknown) => (isNotFound(error) ? resolve(undefined) : reject(error)))
        .on('end', () => {
          if (generation === undefined) {
            reject(new Error('Cloud Storage answered a download without an x-goog-generation header'));
            return;
          }
          const bytes = Buffer.concat(chunks);
          resolve({ bytes: new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), generation });
        });
    });
  }

  /**
   * Uploads the record in one request on the no-retry client, with `ifGenerationMatch` when `generation` is given ("0":
   * must not exist). False when that precondition failed (412).
   */
  async #upload(name: string, record: DriverRecord, generation: string | undefined): Promise<boolean> {
    const { bytes } = record;
    try {
      await this.#writes.file(name).save(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), {
        resumable: false,
        metadata: uploadMetadata(record.expiresAt),
        ...(generation === undefined ? {} : { preconditionOpts: { ifGenerationMatch: generation } }),
        timeout: this.#options.requestTimeoutMs,
      });
      return true;
    } catch (error) {
      if (generation !== undefined && isPreconditionFailed(error)) return false;
      throw error;
    }
  }

  /** Deletes exactly this generation, once; false when another caller deleted or replaced it first (404 or 412). */
  async #deleteGeneration(name: string, generation: string): Promise<boolean> {
    try {
      await this.#writes.file(name).delete({ ifGenerationMatch: generation });
      return true;
    } catch (error) {
      if (isNotFound(error) || isPreconditionFailed(error)) return false;
      throw error;
    }
  }

  #contention(operation: string): ConflictError {
    return new ConflictError(
      `${operation} gave up after ${MAX_ROUNDS} rounds: other writers kept changing the same entry. Retry it.`,
      { source: SOURCE },
    );
  }
}
