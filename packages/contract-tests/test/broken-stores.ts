// Deliberately broken stores, each with one bug the contract suite must catch. They are thin defineStore drivers
// over one shared MemoryStore (the "server"), so several instances see the same data like connections to one
// backend, and each bug is exactly the one named.
import { setImmediate as yieldToOthers } from 'node:timers/promises';
import { type ByteStore, defineStore, type ListPage, MemoryStore, type StoreDriver } from '@oauth-store/core';

type Overrides = (server: MemoryStore) => Partial<StoreDriver>;

/** Store instances sharing one in-process MemoryStore (`server`, for raw reads); `close` closes only the instance. */
export function sharedMemory(overrides: Overrides = () => ({})): (() => ByteStore) & { server: MemoryStore } {
  const server = new MemoryStore({ maxValueBytes: 64 * 1024 });
  const create = () =>
    defineStore({
      capabilities: server.capabilities,
      get: (collection, key) => server.get(collection, key),
      set: (collection, key, value, options) => server.set(collection, key, value, options),
      delete: (collection, key) => server.delete(collection, key),
      take: (collection, key) => server.take(collection, key),
      list: (collection, options) => server.list(collection, options),
      close: async () => undefined,
      ...overrides(server),
    });
  return Object.assign(create, { server });
}

/** take as get, then (after an await) delete: two concurrent callers both receive the value. */
export const racyTake: Overrides = (server) => ({
  take: async (collection, key) => {
    const value = await server.get(collection, key);
    await yieldToOthers();
    if (value !== undefined) await server.delete(collection, key);
    return value;
  },
});

/** The TTL is dropped on the floor: entries never expire. */
export const immortalEntries: Overrides = (server) => ({
  set: (collection, key, value, options) => server.set(collection, key, value, { onlyIfAbsent: options.onlyIfAbsent }),
});

/** Applies a key encoding that is not injective to every key-taking method (and so to what list returns). */
function encodedKeys(encode: (key: string) => string): Overrides {
  return (server) => ({
    get: (collection, key) => server.get(collection, encode(key)),
    set: (collection, key, value, options) => server.set(collection, encode(key), value, options),
    delete: (collection, key) => server.delete(collection, encode(key)),
    take: (collection, key) => server.take(collection, encode(key)),
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
  list: async (collection, options): Promise<ListPage> => {
    const page = await server.list(collection, options);
    return page.cursor ? { keys: page.keys.slice(0, -1), cursor: page.cursor } : page;
  },
});

/**
 * All collections in one, with `collection:key` as the key and list filtering by prefix: (c, "k:x") and
 * (c + ":k", "x") are one entry, and list of c shows the keys of c + ":k".
 */
export const joinedCollections: Overrides = (server) => {
  const join = (collection: string, key: string) => `${collection}:${key}`;
  return {
    get: (collection, key) => server.get('all', join(collection, key)),
    set: (collection, key, value, options) => server.set('all', join(collection, key), value, options),
    delete: (collection, key) => server.delete('all', join(collection, key)),
    take: (collection, key) => server.take('all', join(collection, key)),
    list: async (collection, options) => {
      const prefix = `${collection}:`;
      const page = await server.list('all', { ...options, limit: 1000 });
      const keys = page.keys.filter((key) => key.startsWith(prefix)).map((key) => key.slice(prefix.length));
      return { keys: keys.slice(0, options.limit) };
    },
  };
};

/** delete and take only hide the entry (a tombstone): the methods look right, but the record stays stored. */
export const softDelete: Overrides = (server) => {
  const hidden = new Set<string>();
  const id = (collection: string, key: string) => JSON.stringify([collection, key]);
  return {
    get: async (collection, key) => (hidden.has(id(collection, key)) ? undefined : server.get(collection, key)),
    set: async (collection, key, value, options) => {
      hidden.delete(id(collection, key));
      return server.set(collection, key, value, options);
    },
    delete: async (collection, key) => {
      const live = !hidden.has(id(collection, key)) && (await server.get(collection, key)) !== undefined;
      hidden.add(id(collection, key));
      return live;
    },
    take: async (collection, key) => {
      if (hidden.has(id(collection, key))) return undefined;
      hidden.add(id(collection, key));
      return server.get(collection, key);
    },
  };
};

/** Values stored as decoded UTF-8 text: bytes that are not valid UTF-8 come back changed. */
export const textValues: Overrides = (server) => ({
  set: (collection, key, value, options) =>
    server.set(collection, key, new TextEncoder().encode(new TextDecoder().decode(value)), options),
});

/** A store (not built with defineStore) whose close does nothing: it keeps working after close(). */
export function ignoresClose(): (() => ByteStore) & { server: MemoryStore } {
  const create = sharedMemory();
  const open = (): ByteStore => {
    const inner = create();
    return {
      capabilities: inner.capabilities,
      get: (collection, key) => inner.get(collection, key),
      set: (collection, key, value, options) => inner.set(collection, key, value, options),
      delete: (collection, key) => inner.delete(collection, key),
      take: (collection, key) => inner.take(collection, key),
      list: (collection, options) => inner.list(collection, options),
      close: async () => undefined,
    };
  };
  return Object.assign(open, { server: create.server });
}
