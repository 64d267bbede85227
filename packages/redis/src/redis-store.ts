import { type ByteStore, defineLegacyStore, InvalidValueError, type StoreCapabilities } from '@oauth-store/core';
import { commanderFor, type RedisCommander } from './commander';
import { Deadlines } from './deadline';
import { type BucketKeys, KeyLayout } from './key-layout';
import { readPage } from './list-page';
import { DELETE_SCRIPT, LIST_BUCKET_SCRIPT, type LuaScript, SET_SCRIPT, TAKE_SCRIPT } from './lua-scripts';
import { isNoScript, mapRedisError } from './map-error';
import { type RedisStoreOptions, resolveOptions } from './options';
import { createOwnedCommander } from './owned-client';

/** Largest key the store accepts, in UTF-8 bytes. */
export const REDIS_MAX_KEY_BYTES = 1024;
/** Largest collection name the store accepts, in UTF-8 bytes. */
export const REDIS_MAX_COLLECTION_BYTES = 256;
/** Expired members a `set` removes from its bucket's indexes, at most, before writing (a script argument). */
const PRUNE_PER_WRITE = '16';
const CURSOR = /^[A-Za-z0-9_-]+$/;

function bytesOut(value: unknown): Uint8Array | undefined {
  if (value === null || value === undefined) return undefined;
  // A fresh copy: the client's Buffer may be a view into a larger socket buffer holding other replies.
  if (value instanceof Uint8Array) return new Uint8Array(value);
  throw new InvalidValueError('Redis returned a reply of an unexpected type.', { source: 'redis' });
}

function bufferIn(value: Uint8Array): Buffer {
  return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
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

/**
 * A {@link ByteStore} on Redis, standalone or Cluster, through node-redis v5 or ioredis v5.
 *
 * Give it a client you created (`client`), or a `url` / `clusterUrls` and it creates a node-redis client itself
 * (imported lazily: `redis` must be installed then). Every operation is bounded by `commandTimeoutMs` and fails with
 * a `StoreUnavailableError` (code `unavailable`) past it; the same store works again when the server is back.
 *
 * @example
 * ```ts
 * import { createClient } from 'redis';
 * import { createRedisStore } from '@oauth-store/redis';
 * const client = await createClient({ url: process.env.REDIS_URL }).connect();
 * const store = await createRedisStore({ client, keyPrefix: 'my-auth-server:' });
 * ```
 */
export async function createRedisStore(options: RedisStoreOptions): Promise<ByteStore> {
  const resolved = resolveOptions(options);
  // Only ConfigurationErrors can come out of here (bad client, missing `redis` package, unparsable URL).
  const commander = options.client
    ? commanderFor(options.client)
    : await createOwnedCommander(
        options.url !== undefined ? { url: options.url } : { clusterUrls: options.clusterUrls as string[] },
        resolved.commandTimeoutMs,
      );
  return storeOn(commander, resolved.keyPrefix, resolved.buckets, resolved.commandTimeoutMs, resolved.maxValueBytes);
}

function storeOn(
  commander: RedisCommander,
  keyPrefix: string,
  buckets: number,
  timeoutMs: number,
  maxValueBytes: number,
): ByteStore {
  const layout = new KeyLayout(keyPrefix, buckets);
  const deadlines = new Deadlines(timeoutMs);
  const capabilities: StoreCapabilities = {
    name: 'redis',
    maxKeyBytes: REDIS_MAX_KEY_BYTES,
    maxCollectionBytes: REDIS_MAX_COLLECTION_BYTES,
    maxValueBytes,
    // Redis deletes expired keys itself and never returns one (GET, GETDEL, DEL and SET NX all check expiry first).
    nativeTtl: true,
    atomicTake: true,
    compareAndSet: false,
  };

  // The connected case skips `ready()` (a promise and an abort listener) entirely; only a client that is not
  // ready, or not yet connected, makes the operation wait, still within its deadline.
  const send = (signal: AbortSignal, routingKey: string, args: Array<string | Buffer>): Promise<unknown> =>
    commander.isReady()
      ? commander.send(routingKey, args, signal)
      : commander.ready(signal).then(() => commander.send(routingKey, args, signal));

  // EVALSHA first; a server that has not seen the script yet (a new, restarted or failed-over node) answers
  // NOSCRIPT, and EVAL both runs and caches it. The arguments are built once, as the flat array the client sends.
  const evalScript = (
    signal: AbortSignal,
    script: LuaScript,
    keys: readonly string[],
    args: ReadonlyArray<string | Buffer>,
  ): Promise<unknown> => {
    const routingKey = keys[0] as string;
    const command: Array<string | Buffer> = ['EVALSHA', script.sha, String(keys.length), ...keys, ...args];
    return send(signal, routingKey, command).catch((error: unknown) => {
      if (!isNoScript(error)) throw error;
      return send(signal, routingKey, ['EVAL', script.source, ...command.slice(2)]);
    });
  };

  const readBucket = async (signal: AbortSignal, bucket: BucketKeys, after: Buffer | undefined, count: number) => {
    const start = after ? Buffer.concat([Buffer.from('('), after]) : '-';
    const reply = (await evalScript(
      signal,
      LIST_BUCKET_SCRIPT,
      [bucket.index, bucket.expiry],
      [start, String(count)],
    )) as [unknown[], number, unknown?];
    const [live, read, last] = reply;
    return {
      live: live.map(toBuffer),
      read: Number(read),
      last: last === undefined || last === null ? undefined : toBuffer(last),
    };
  };

  return defineLegacyStore({
    capabilities,
    mapError: mapRedisError,
    get: (collection, key) =>
      deadlines.run('get', (signal) => {
        const { entry } = layout.entryKeys(collection, key);
        return send(signal, entry, ['GET', entry]).then(bytesOut);
      }),
    set: (collection, key, value, options) =>
      deadlines.run('set', (signal) => {
        const keys = layout.entryKeys(collection, key);
        return evalScript(
          signal,
          SET_SCRIPT,
          [keys.entry, keys.index, keys.expiry],
          [
            bufferIn(value),
            keys.member,
            options.ttlMs === undefined ? '' : String(options.ttlMs),
            options.onlyIfAbsent ? '1' : '0',
            PRUNE_PER_WRITE,
          ],
        ).then((written) => Number(written) === 1);
      }),
    delete: (collection, key) =>
      deadlines.run('delete', (signal) => {
        const keys = layout.entryKeys(collection, key);
        return evalScript(signal, DELETE_SCRIPT, [keys.entry, keys.index, keys.expiry], [keys.member]).then(
          (removed) => Number(removed) > 0,
        );
      }),
    take: (collection, key) =>
      deadlines.run('take', (signal) => {
        const keys = layout.entryKeys(collection, key);
        return evalScript(signal, TAKE_SCRIPT, [keys.entry, keys.index, keys.expiry], [keys.member]).then(bytesOut);
      }),
    list: (collection, { cursor, limit }) =>
      deadlines.run('list', async (signal) => {
        const after = cursor === undefined ? undefined : decodeCursor(cursor);
        const page = await readPage(
          layout.bucketKeys(collection),
          (bucket, from, count) => readBucket(signal, bucket, from, count),
          after,
          limit,
        );
        const keys = page.keys.map((member) => member.toString('utf8'));
        return page.next ? { keys, cursor: page.next.toString('base64url') } : { keys };
      }),
    close: () => commander.close(),
  });
}
