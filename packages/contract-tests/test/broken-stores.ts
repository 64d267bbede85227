// Deliberately broken stores, each with one bug the contract suite must catch. They are thin v2 drivers over one
// shared in-process FrameServer (the "backend"), so several instances see the same data like connections to one
// server, and each bug is exactly the one named. Bugs that need a network (lost responses, resends) live in
// fixtures/wire-store.ts.
import { setImmediate as yieldToOthers } from 'node:timers/promises';
import {
  type ByteStore,
  type DriverRecord,
  defineStore,
  FRAME_HEADER_BYTES,
  FRAME_VERSION_OFFSET,
  type ListPage,
  type StoreDriver,
  sameVersion,
  type WriteCondition,
} from '@oauth-store/core';

interface StoredRecord {
  bytes: Uint8Array;
  expiresAt: number | undefined;
}

/**
 * The shared "backend": framed records as the runtime hands them over, with each operation one synchronous step (so
 * atomic). Expiry is judged on the application clock, like MemoryStore.
 */
export class FrameServer {
  readonly #collections = new Map<string, Map<string, StoredRecord>>();

  /** The stored bytes, live or not (what a raw reader of the backend sees). */
  raw(collection: string, key: string): Uint8Array | undefined {
    return this.#collections.get(collection)?.get(key)?.bytes;
  }

  read(collection: string, key: string): Uint8Array | undefined {
    return this.#live(collection, key)?.bytes;
  }

  write(collection: string, key: string, record: DriverRecord, condition: WriteCondition): boolean {
    if (!this.holds(collection, key, condition)) return false;
    this.put(collection, key, record.bytes, record.expiresAt);
    return true;
  }

  /** Stores bytes unconditionally (for drivers that rewrite the record). */
  put(collection: string, key: string, bytes: Uint8Array, expiresAt: number | undefined): void {
    let entries = this.#collections.get(collection);
    if (!entries) {
      entries = new Map();
      this.#collections.set(collection, entries);
    }
    entries.set(key, { bytes, expiresAt });
  }

  remove(collection: string, key: string, condition: WriteCondition): boolean {
    if (!this.#live(collection, key) || !this.holds(collection, key, condition)) return false;
    this.#collections.get(collection)?.delete(key);
    return true;
  }

  take(collection: string, key: string): Uint8Array | undefined {
    const entry = this.#live(collection, key);
    if (entry) this.#collections.get(collection)?.delete(key);
    return entry?.bytes;
  }

  list(collection: string, page: { cursor: string | undefined; limit: number }): ListPage {
    const entries = this.#collections.get(collection);
    if (!entries) return { keys: [] };
    const after = page.cursor;
    const keys = [...entries.keys()]
      .filter((key) => this.#live(collection, key) && (after === undefined || key > after))
      .sort()
      .slice(0, page.limit + 1);
    const more = keys.length > page.limit;
    const shown = keys.slice(0, page.limit);
    return more ? { keys: shown, cursor: shown.at(-1) } : { keys: shown };
  }

  /** Whether `condition` holds for the live entry under (collection, key). */
  holds(collection: string, key: string, condition: WriteCondition): boolean {
    if (condition.kind === 'none') return true;
    const live = this.#live(collection, key);
    if (condition.kind === 'absent') return live === undefined;
    return live !== undefined && sameVersion(versionOf(live.bytes), condition.versionBytes);
  }

  #live(collection: string, key: string): StoredRecord | undefined {
    const entry = this.#collections.get(collection)?.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt !== undefined && entry.expiresAt <= Date.now()) {
      this.#collections.get(collection)?.delete(key);
      return undefined;
    }
    return entry;
  }
}

/** The 16 version bytes of a frame. */
export function versionOf(bytes: Uint8Array): Uint8Array {
  return bytes.subarray(FRAME_VERSION_OFFSET, FRAME_HEADER_BYTES);
}

/** The value part of a frame. */
function frameValue(bytes: Uint8Array): Uint8Array {
  return bytes.subarray(FRAME_HEADER_BYTES);
}

/** A frame with its value replaced (header kept). */
function withValue(bytes: Uint8Array, value: Uint8Array): Uint8Array {
  const frame = new Uint8Array(FRAME_HEADER_BYTES + value.byteLength);
  frame.set(bytes.subarray(0, FRAME_HEADER_BYTES));
  frame.set(value, FRAME_HEADER_BYTES);
  return frame;
}

/** A frame with its absolute expiry replaced (0 = never). */
function withExpiry(bytes: Uint8Array, expiresAt: number | undefined): Uint8Array {
  const frame = Buffer.from(bytes);
  frame.writeBigUInt64BE(BigInt(expiresAt ?? 0), 1);
  return frame;
}

type Overrides = (server: FrameServer) => Partial<StoreDriver>;

/** A correct v2 driver over `server`. */
function correctDriver(server: FrameServer): StoreDriver {
  return {
    capabilities: {
      name: 'shared-memory',
      maxKeyBytes: 1024,
      maxCollectionBytes: 256,
      maxValueBytes: 64 * 1024,
      nativeTtl: false,
      atomicTake: true,
      compareAndSet: true,
    },
    timeoutMs: 10_000,
    read: async (collection, key) => server.read(collection, key),
    write: async (collection, key, record, condition) => server.write(collection, key, record, condition),
    remove: async (collection, key, condition) => server.remove(collection, key, condition),
    take: async (collection, key) => server.take(collection, key),
    list: async (collection, page) => server.list(collection, page),
    close: async () => undefined,
  };
}

/** Store instances sharing one in-process FrameServer (`server`, for raw reads); `close` closes only the instance. */
export function sharedMemory(overrides: Overrides = () => ({})): (() => ByteStore) & { server: FrameServer } {
  const server = new FrameServer();
  const create = () => defineStore({ ...correctDriver(server), ...overrides(server) });
  return Object.assign(create, { server });
}

/** take as read, then (after an await) delete: two concurrent callers both receive the value. */
export const racyTake: Overrides = (server) => ({
  take: async (collection, key) => {
    const bytes = server.read(collection, key);
    await yieldToOthers();
    if (bytes !== undefined) server.remove(collection, key, { kind: 'none' });
    return bytes;
  },
});

/** The TTL is dropped on the floor: the record is stored as if it never expired. */
export const immortalEntries: Overrides = (server) => ({
  write: async (collection, key, record, condition) => {
    if (!server.holds(collection, key, condition)) return false;
    server.put(collection, key, withExpiry(record.bytes, undefined), undefined);
    return true;
  },
});

/**
 * Expiry 1 ms late, like a backend whose expiry is computed from a clock with the sub-millisecond part floored and
 * that keeps an entry readable while its clock equals the deadline (the Redis PXAT bug).
 */
export const expiryOneMsLate: Overrides = (server) => ({
  write: async (collection, key, record, condition) => {
    if (!server.holds(collection, key, condition)) return false;
    const late = record.expiresAt === undefined ? undefined : record.expiresAt + 1;
    server.put(collection, key, withExpiry(record.bytes, late), late);
    return true;
  },
});

/** ifVersion is ignored: a compare-and-set or compare-and-delete always applies. */
export const ignoresIfVersion: Overrides = (server) => ({
  write: async (collection, key, record, condition) =>
    server.write(collection, key, record, condition.kind === 'version' ? { kind: 'none' } : condition),
  remove: async (collection, key) => server.remove(collection, key, { kind: 'none' }),
});

/**
 * Compare-and-set compares values instead of versions (the version a reader got is the write's, but the check asks
 * "is the value still the same"): an A-B-A sequence goes unnoticed.
 */
export const comparesValues: Overrides = (server) => {
  // The value each version was written with, so a version condition can be turned into a value comparison.
  const valueOfVersion = new Map<string, Uint8Array>();
  const id = (version: Uint8Array) => Buffer.from(version).toString('hex');
  const sameValueAsVersion = (collection: string, key: string, versionBytes: Uint8Array): boolean => {
    const live = server.read(collection, key);
    const expected = valueOfVersion.get(id(versionBytes));
    return live !== undefined && expected !== undefined && Buffer.from(frameValue(live)).equals(expected);
  };
  return {
    write: async (collection, key, record, condition) => {
      if (condition.kind === 'version') {
        if (!sameValueAsVersion(collection, key, condition.versionBytes)) return false;
        condition = { kind: 'none' };
      }
      const written = server.write(collection, key, record, condition);
      if (written) valueOfVersion.set(id(record.versionBytes), Buffer.from(frameValue(record.bytes)));
      return written;
    },
    remove: async (collection, key, condition) => {
      if (condition.kind === 'version' && !sameValueAsVersion(collection, key, condition.versionBytes)) return false;
      return server.remove(collection, key, { kind: 'none' });
    },
  };
};

/** Applies a key encoding that is not injective to every key-taking method (and so to what list returns). */
function encodedKeys(encode: (key: string) => string): Overrides {
  return (server) => ({
    read: async (collection, key) => server.read(collection, encode(key)),
    write: async (collection, key, record, condition) => server.write(collection, encode(key), record, condition),
    remove: async (collection, key, condition) => server.remove(collection, encode(key), condition),
    take: async (collection, key) => server.take(collection, encode(key)),
  });
}

/** Keys lowercased ("A" and "a" are one key). */
export const lowercasedKeys = encodedKeys((key) => key.toLowerCase());
/** '/' replaced by '_' ("a/b" and "a_b" are one key). */
export const slashToUnderscore = encodedKeys((key) => key.replaceAll('/', '_'));
/** Keys cut to 200 UTF-16 units (long keys sharing a prefix are one key). */
export const truncatedKeys = encodedKeys((key) => key.slice(0, 200));

/** Every page that has a next page loses its last key (the cursor still points past it). */
export const dropsLastKeyOfPage: Overrides = (server) => ({
  list: async (collection, page) => {
    const result = server.list(collection, page);
    return result.cursor ? { keys: result.keys.slice(0, -1), cursor: result.cursor } : result;
  },
});

/**
 * All collections in one, with `collection:key` as the key and list filtering by prefix: (c, "k:x") and
 * (c + ":k", "x") are one entry, and list of c shows the keys of c + ":k".
 */
export const joinedCollections: Overrides = (server) => {
  const join = (collection: string, key: string) => `${collection}:${key}`;
  return {
    read: async (collection, key) => server.read('all', join(collection, key)),
    write: async (collection, key, record, condition) => server.write('all', join(collection, key), record, condition),
    remove: async (collection, key, condition) => server.remove('all', join(collection, key), condition),
    take: async (collection, key) => server.take('all', join(collection, key)),
    list: async (collection, page) => {
      const prefix = `${collection}:`;
      const all = server.list('all', { cursor: undefined, limit: 100_000 });
      const keys = all.keys.filter((key) => key.startsWith(prefix)).map((key) => key.slice(prefix.length));
      return { keys: keys.slice(0, page.limit) };
    },
  };
};

/** delete and take only hide the entry (a tombstone): the methods look right, but the record stays stored. */
export const softDelete: Overrides = (server) => {
  const hidden = new Set<string>();
  const id = (collection: string, key: string) => JSON.stringify([collection, key]);
  return {
    read: async (collection, key) => (hidden.has(id(collection, key)) ? undefined : server.read(collection, key)),
    write: async (collection, key, record, condition) => {
      if (hidden.has(id(collection, key)) && condition.kind === 'absent') {
        server.put(collection, key, record.bytes, record.expiresAt);
        hidden.delete(id(collection, key));
        return true;
      }
      const written = server.write(collection, key, record, condition);
      if (written) hidden.delete(id(collection, key));
      return written;
    },
    remove: async (collection, key, condition) => {
      if (hidden.has(id(collection, key)) || !server.holds(collection, key, condition)) return false;
      const live = server.read(collection, key) !== undefined;
      hidden.add(id(collection, key));
      return live;
    },
    take: async (collection, key) => {
      if (hidden.has(id(collection, key))) return undefined;
      hidden.add(id(collection, key));
      return server.read(collection, key);
    },
  };
};

/** Values stored as decoded UTF-8 text: bytes that are not valid UTF-8 come back changed. */
export const textValues: Overrides = (server) => ({
  write: async (collection, key, record, condition) => {
    const text = new TextEncoder().encode(new TextDecoder().decode(frameValue(record.bytes)));
    if (!server.holds(collection, key, condition)) return false;
    server.put(collection, key, withValue(record.bytes, text), record.expiresAt);
    return true;
  },
});

/** A store (not built with defineStore) whose close does nothing: it keeps working after close(). */
export function ignoresClose(): (() => ByteStore) & { server: FrameServer } {
  const create = sharedMemory();
  const open = (): ByteStore => {
    const inner = create();
    return {
      capabilities: inner.capabilities,
      get: (collection, key) => inner.get(collection, key),
      getEntry: (collection, key) => inner.getEntry(collection, key),
      set: (collection, key, value, options) => inner.set(collection, key, value, options),
      delete: (collection, key, options) => inner.delete(collection, key, options),
      take: (collection, key) => inner.take(collection, key),
      list: (collection, options) => inner.list(collection, options),
      close: async () => undefined,
    };
  };
  return Object.assign(open, { server: create.server });
}

/**
 * Not a broken store: a correct one constructed per instance, each create() with its own FrameServer, as an in-process
 * adapter is. The suite's cross-instance checks fail on it unless it is run with `sharedInstances: false`.
 */
export function perInstanceMemory(): () => ByteStore {
  return () => defineStore(correctDriver(new FrameServer()));
}
