import {
  type DriverRecord,
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
import { type BucketKeys, KeyLayout } from './key-layout';
import { readPage } from './list-page';
import { DELETE_SCRIPT, LIST_BUCKET_SCRIPT, type LuaScript, SET_SCRIPT, TAKE_SCRIPT } from './lua-scripts';
import { isNoScript, mapRedisError } from './map-error';
import { NotSent, provesNotSent } from './not-sent';

/** Largest key the store accepts, in UTF-8 bytes. */
export const REDIS_MAX_KEY_BYTES = 1024;
/** Largest collection name the store accepts, in UTF-8 bytes. */
export const REDIS_MAX_COLLECTION_BYTES = 256;
/** Expired members a `set` removes from its bucket's indexes, at most, before writing (a script argument). */
const PRUNE_PER_WRITE = '16';
const CURSOR = /^[A-Za-z0-9_-]+$/;
const NO_CONDITION = ['', ''] as const;
const ABSENT = ['absent', ''] as const;
const EMPTY = '';

function bytesOut(value: unknown): Uint8Array | undefined {
  if (value === null || value === undefined) return undefined;
  // The runtime copies the value out of the frame, so the client's Buffer can be handed over as it is.
  if (value instanceof Uint8Array) return value;
  throw new InvalidValueError('Redis returned a reply of an unexpected type.', { source: 'redis' });
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
 * The Redis {@link StoreDriver}: raw operations over framed records, each one command (a `GET`, or one Lua script
 * whose keys share one hash slot). The runtime owns validation, the frame, expiry filtering, deadlines, own-write
 * recognition and error scrubbing; this class owns the key layout, the scripts and the client's quirks.
 */
export class RedisDriver implements StoreDriver {
  readonly capabilities: StoreCapabilities;
  readonly timeoutMs: number;
  readonly #commander: RedisCommander;
  readonly #layout: KeyLayout;

  constructor(commander: RedisCommander, settings: RedisDriverSettings) {
    this.#commander = commander;
    this.#layout = new KeyLayout(settings.keyPrefix, settings.buckets);
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
    const entry = this.#layout.entryKeys(collection, key).entry;
    return this.#send(context, entry, ['GET', entry]).then(bytesOut);
  }

  write(
    collection: string,
    key: string,
    record: DriverRecord,
    condition: WriteCondition,
    context: OperationContext,
  ): Promise<boolean> {
    const keys = this.#layout.entryKeys(collection, key);
    const [kind, expected] =
      condition.kind === 'none'
        ? NO_CONDITION
        : condition.kind === 'absent'
          ? ABSENT
          : ['version', bufferIn(condition.versionBytes)];
    return this.#eval(
      context,
      SET_SCRIPT,
      [keys.entry, keys.index, keys.expiry],
      [
        bufferIn(record.bytes),
        keys.member,
        record.expiresAt === undefined ? EMPTY : String(record.expiresAt),
        kind,
        expected,
        String(context.now),
        PRUNE_PER_WRITE,
      ],
    ).then((written) => Number(written) === 1);
  }

  remove(
    collection: string,
    key: string,
    condition: Exclude<WriteCondition, { kind: 'absent' }>,
    context: OperationContext,
  ): Promise<boolean> {
    const keys = this.#layout.entryKeys(collection, key);
    return this.#eval(
      context,
      DELETE_SCRIPT,
      [keys.entry, keys.index, keys.expiry],
      [keys.member, condition.kind === 'version' ? bufferIn(condition.versionBytes) : EMPTY, String(context.now)],
    ).then((removed) => Number(removed) === 1);
  }

  take(collection: string, key: string, context: OperationContext): Promise<Uint8Array | undefined> {
    const keys = this.#layout.entryKeys(collection, key);
    return this.#eval(context, TAKE_SCRIPT, [keys.entry, keys.index, keys.expiry], [keys.member]).then(bytesOut);
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

  #send(context: OperationContext, routingKey: string, args: Array<string | Buffer>): Promise<unknown> {
    // The context's signal costs an AbortController: only asked for when the client needs it (see needsSignal).
    return sendWhenReady(this.#commander, routingKey, args, () => context.signal);
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
    return this.#send(context, routingKey, command).catch((error: unknown) => {
      if (!isNoScript(error)) throw error;
      return this.#send(context, routingKey, ['EVAL', script.source, ...command.slice(2)]);
    });
  }

  async #readBucket(context: OperationContext, bucket: BucketKeys, after: Buffer | undefined, count: number) {
    const start = after ? Buffer.concat([Buffer.from('('), after]) : '-';
    const reply = (await this.#eval(
      context,
      LIST_BUCKET_SCRIPT,
      [bucket.index, bucket.expiry],
      [start, String(count), String(context.now)],
    )) as [unknown[], number, unknown?];
    const [live, read, last] = reply;
    return {
      live: live.map(toBuffer),
      read: Number(read),
      last: last === undefined || last === null ? undefined : toBuffer(last),
    };
  }
}
