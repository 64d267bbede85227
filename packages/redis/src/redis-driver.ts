import {
  type DriverRecord,
  FRAME_HEADER_BYTES,
  FRAME_MAGIC,
  InvalidValueError,
  type ListPage,
  type OAuthStoreError,
  type OperationContext,
  type StoreCapabilities,
  type StoreDriver,
  type StoreOperation,
  type WriteCondition,
} from '@oauth-store/core';
import { type RedisCommander, sendWhenReady } from './commander';
import { IndexSweep, SWEEP_BATCH } from './index-sweep';
import { type BucketKeys, KeyLayout } from './key-layout';
import { readPage } from './list-page';
import { DELETE_SCRIPT, LIST_BUCKET_SCRIPT, type LuaScript, SET_SCRIPT, SWEEP_SCRIPT } from './lua-scripts';
import { isNoScript, mapRedisError } from './map-error';
import { NotSent, provesNotSent } from './not-sent';

/** Largest key the store accepts, in UTF-8 bytes. */
export const REDIS_MAX_KEY_BYTES = 1024;
/** Largest collection name the store accepts, in UTF-8 bytes. */
export const REDIS_MAX_COLLECTION_BYTES = 256;
const CURSOR = /^[A-Za-z0-9_-]+$/;
const EMPTY = '';
const ZERO = '0';
const TRUE = () => true;
const IGNORE = () => {};

function bytesOut(value: unknown): Uint8Array | undefined {
  if (value === null || value === undefined) return undefined;
  // The runtime copies the value out of the frame, so the client's Buffer can be handed over as it is.
  if (value instanceof Uint8Array) return value;
  throw new InvalidValueError('Redis returned a reply of an unexpected type.', { source: 'redis' });
}

/**
 * Whether a record read by an unconditional delete was live at `now`: the scripts' rule (lua-scripts.ts), by the
 * frame's absolute expiry (bytes 1-8, big-endian epoch ms, 0 = none); a record that is not a frame counts as live.
 */
function liveAt(record: Uint8Array, now: number): boolean {
  if (record[0] !== FRAME_MAGIC || record.length < FRAME_HEADER_BYTES) return true;
  const view = new DataView(record.buffer, record.byteOffset, FRAME_HEADER_BYTES);
  const expiresAt = view.getUint32(1) * 2 ** 32 + view.getUint32(5);
  return expiresAt === 0 || expiresAt > now;
}

function bufferIn(value: Uint8Array): Buffer {
  return Buffer.isBuffer(value) ? value : Buffer.from(value.buffer, value.byteOffset, value.byteLength);
}

function toBuffer(value: unknown): Buffer {
  if (Buffer.isBuffer(value)) return value;
  if (value instanceof Uint8Array) return bufferIn(value);
  return Buffer.from(String(value), 'utf8');
}

function decodeCursor(cursor: string): Buffer {
  const bytes = CURSOR.test(cursor) ? Buffer.from(cursor, 'base64url') : Buffer.alloc(0);
  if (bytes.length === 0) {
    throw new InvalidValueError('cursor is not one this store returned. Pass the cursor of the previous page as is.', {
      source: 'redis',
    });
  }
  return bytes;
}

/** Settings of {@link RedisDriver}. */
export interface RedisDriverSettings {
  keyPrefix: string;
  buckets: number;
  timeoutMs: number;
  maxValueBytes: number;
}

/**
 * The Redis {@link StoreDriver}: raw operations over framed records. `get` is a `GET`, `take` a `GETDEL`, an
 * unconditional `delete` a `GETDEL` (to tell a live entry from an expired one), an unconditional `set` a pipelined
 * `ZADD`, `SET`, `ZADD` (one round trip); conditional writes, versioned deletes and `list`'s per-bucket read are Lua
 * scripts. All keys of one call share one hash slot. The runtime owns validation, the frame, expiry filtering,
 * deadlines, own-write recognition and error scrubbing; this class owns the key layout, the scripts and the client's
 * quirks.
 */
export class RedisDriver implements StoreDriver {
  readonly capabilities: StoreCapabilities;
  readonly timeoutMs: number;
  readonly #commander: RedisCommander;
  readonly #layout: KeyLayout;
  readonly #sweep: IndexSweep;

  constructor(commander: RedisCommander, settings: RedisDriverSettings, sweep = new IndexSweep()) {
    this.#commander = commander;
    this.#layout = new KeyLayout(settings.keyPrefix, settings.buckets);
    this.#sweep = sweep;
    this.timeoutMs = settings.timeoutMs;
    this.capabilities = {
      name: 'redis',
      maxKeyBytes: REDIS_MAX_KEY_BYTES,
      maxCollectionBytes: REDIS_MAX_COLLECTION_BYTES,
      maxValueBytes: settings.maxValueBytes,
      // Redis reclaims expired entries itself (PXAT); the runtime filters by the frame's expiry to the millisecond.
      nativeTtl: true,
      atomicTake: true,
      compareAndSet: true,
    };
  }

  /** The client wrapper, for the store's `ready()`. */
  get commander(): RedisCommander {
    return this.#commander;
  }

  read(collection: string, key: string, context: OperationContext): Promise<Uint8Array | undefined> {
    const entry = this.#layout.entryKey(collection, key);
    return sendWhenReady(this.#commander, entry, ['GET', entry], context).then(bytesOut);
  }

  write(
    collection: string,
    key: string,
    record: DriverRecord,
    condition: WriteCondition,
    context: OperationContext,
  ): Promise<boolean> {
    const bucket = this.#layout.bucketOfKey(collection, key);
    if (condition.kind === 'none') return this.#writeUnconditional(bucket, key, record, context);
    const entry = bucket.entryPrefix + key;
    return this.#eval(
      context,
      SET_SCRIPT,
      [entry, bucket.index],
      [
        bufferIn(record.bytes),
        key,
        record.expiresAt === undefined ? EMPTY : String(record.expiresAt),
        condition.kind,
        condition.kind === 'version' ? bufferIn(condition.versionBytes) : EMPTY,
        String(context.now),
      ],
    ).then((written) => Number(written) === 1);
  }

  remove(
    collection: string,
    key: string,
    condition: Exclude<WriteCondition, { kind: 'absent' }>,
    context: OperationContext,
  ): Promise<boolean> {
    const entry = this.#layout.entryKey(collection, key);
    if (condition.kind === 'version') {
      return this.#eval(context, DELETE_SCRIPT, [entry], [bufferIn(condition.versionBytes), String(context.now)]).then(
        (removed) => Number(removed) === 1,
      );
    }
    // GETDEL rather than DEL: an entry past its frame's expiry (Redis keeps it up to 1 ms longer) is removed but does
    // not count as a live entry deleted. The key-index member is left to list and the sweep, as after take.
    return sendWhenReady(this.#commander, entry, ['GETDEL', entry], context).then((record) => {
      const bytes = bytesOut(record);
      return bytes !== undefined && liveAt(bytes, context.now);
    });
  }

  take(collection: string, key: string, context: OperationContext): Promise<Uint8Array | undefined> {
    // GETDEL is atomic: of any number of concurrent callers, exactly one gets the value. The key-index member stays
    // until list or the sweep finds the entry gone (see index-sweep.ts).
    const entry = this.#layout.entryKey(collection, key);
    return sendWhenReady(this.#commander, entry, ['GETDEL', entry], context).then(bytesOut);
  }

  async list(
    collection: string,
    { cursor, limit }: { cursor: string | undefined; limit: number },
    context: OperationContext,
  ): Promise<ListPage> {
    const after = cursor === undefined ? undefined : decodeCursor(cursor);
    const page = await readPage(
      this.#layout.bucketKeys(collection),
      (bucket, from, count) => this.#readBucket(context, bucket, from, count),
      after,
      limit,
    );
    const keys = page.keys.map((member) => member.toString('utf8'));
    return page.next ? { keys, cursor: page.next.toString('base64url') } : { keys };
  }

  close(): Promise<void> {
    return this.#commander.close();
  }

  mapError(error: unknown, operation: StoreOperation): OAuthStoreError {
    return mapRedisError(error instanceof NotSent ? error.original : error, operation);
  }

  notApplied(error: unknown): boolean {
    return provesNotSent(error);
  }

  /**
   * An unconditional set without a script: `ZADD index 0 key`, `SET entry frame [PXAT expiry]`, `ZADD index 0 key`,
   * handed to the client in one go, so they travel in one round trip (node-redis writes what was queued in the same
   * tick at once; ioredis writes each at once) and Redis runs them in this order (one connection: a Cluster client
   * routes all three, which share a slot, to the same node).
   *
   * The first ZADD makes a crash or a lost connection leave at worst a member without an entry (which list and the
   * sweep remove), never an entry without a member. The second one covers a list or sweep that runs between the first
   * ZADD and the SET (Redis may run other clients' commands there when the pipeline arrives in several reads) and
   * removes the member because the entry does not exist yet. The set resolves once the SET and one of the ZADDs
   * succeeded; when the SET fails, with the SET's error (so a SET the client provably never sent is reported as not
   * applied). Every so often a sweep of the bucket's index follows, pipelined, unawaited (see index-sweep.ts).
   */
  #writeUnconditional(
    bucket: BucketKeys,
    key: string,
    record: DriverRecord,
    context: OperationContext,
  ): Promise<boolean> {
    if (this.#commander.isReady()) return this.#pipelineSet(bucket, key, record, context);
    return this.#commander.ready(context.signal).then(
      () => this.#pipelineSet(bucket, key, record, context),
      (error: unknown) => {
        throw new NotSent(error);
      },
    );
  }

  #pipelineSet(bucket: BucketKeys, key: string, record: DriverRecord, context: OperationContext): Promise<boolean> {
    const commander = this.#commander;
    const entry = bucket.entryPrefix + key;
    const frame = bufferIn(record.bytes);
    const signal = commander.needsSignal ? context.signal : undefined;
    const first = commander.send(bucket.index, ['ZADD', bucket.index, ZERO, key], signal);
    const stored = commander.send(
      entry,
      record.expiresAt === undefined ? ['SET', entry, frame] : ['SET', entry, frame, 'PXAT', String(record.expiresAt)],
      signal,
    );
    const again = commander.send(bucket.index, ['ZADD', bucket.index, ZERO, key], signal);
    // Their failures only matter when both fail (below); handled here so neither is ever an unhandled rejection.
    first.catch(IGNORE);
    again.catch(IGNORE);
    const start = this.#sweep.due(bucket.index);
    if (start !== undefined) this.#sweepBucket(bucket, start);
    return stored.then(() => first.then(TRUE, () => again.then(TRUE)));
  }

  /** Sends the sweep script for one bucket, unawaited: it only reclaims memory, so its failure is ignored. */
  #sweepBucket(bucket: BucketKeys, start: string | Buffer): void {
    const tail = ['2', bucket.index, bucket.expiry, bucket.entryPrefix, start, String(SWEEP_BATCH)];
    this.#commander
      .send(bucket.index, ['EVALSHA', SWEEP_SCRIPT.sha, ...tail], undefined)
      .catch((error: unknown) => {
        if (!isNoScript(error)) return undefined;
        return this.#commander.send(bucket.index, ['EVAL', SWEEP_SCRIPT.source, ...tail], undefined);
      })
      .then((next) => this.#sweep.advance(bucket.index, next), IGNORE);
  }

  // EVALSHA first; a server that has not seen the script yet (a new, restarted or failed-over node) answers
  // NOSCRIPT without running anything, and EVAL both runs and caches it.
  #eval(
    context: OperationContext,
    script: LuaScript,
    keys: readonly string[],
    args: ReadonlyArray<string | Buffer>,
  ): Promise<unknown> {
    const routingKey = keys[0] as string;
    const command: Array<string | Buffer> = ['EVALSHA', script.sha, String(keys.length), ...keys, ...args];
    return sendWhenReady(this.#commander, routingKey, command, context).catch((error: unknown) => {
      if (!isNoScript(error)) throw error;
      return sendWhenReady(this.#commander, routingKey, ['EVAL', script.source, ...command.slice(2)], context);
    });
  }

  async #readBucket(context: OperationContext, bucket: BucketKeys, after: Buffer | undefined, count: number) {
    const start = after ? Buffer.concat([Buffer.from('('), after]) : '-';
    const reply = (await this.#eval(
      context,
      LIST_BUCKET_SCRIPT,
      [bucket.index, bucket.expiry],
      [bucket.entryPrefix, start, String(count), String(context.now)],
    )) as [unknown[], number, unknown?];
    const [live, read, last] = reply;
    return {
      live: live.map(toBuffer),
      read: Number(read),
      last: last === undefined || last === null ? undefined : toBuffer(last),
    };
  }
}
