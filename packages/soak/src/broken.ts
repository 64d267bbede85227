/**
 * Deliberately broken stores, to prove each checker catches the fault it exists for. Each wraps a working
 * {@link ByteStore} and breaks exactly one promise of the contract, the way a buggy adapter would.
 */
import { type ByteStore, type SetOptions, StoreUnavailableError } from '@oauth-store/core';

/** Which promise to break. */
export type BrokenKind = 'non-atomic-take' | 'drop-writes' | 'stale-reads' | 'applies-failed-writes';

/** Every {@link BrokenKind}. */
export const BROKEN_KINDS: readonly BrokenKind[] = [
  'non-atomic-take',
  'drop-writes',
  'stale-reads',
  'applies-failed-writes',
];

/** Every how-many-th durable write `drop-writes` acknowledges without storing. */
const DROP_EVERY = 5;
/** How long `non-atomic-take` waits between its get and its delete: long enough for a competitor to get too. */
const TAKE_GAP_MS = 10;
/** How many expired entries `stale-reads` keeps around. */
const STALE_CACHE_SIZE = 2_000;
/** Every how-many-th write `applies-failed-writes` reports failed (outcome known: not applied), then applies. */
const FAIL_EVERY = 4;
/** How long after its rejection `applies-failed-writes` applies the write (a resend after a reconnect). */
const RESEND_AFTER_MS = 500;

/** Returns `store` with one contract promise broken; see {@link BrokenKind}. */
export function breakStore(store: ByteStore, kind: BrokenKind): ByteStore {
  switch (kind) {
    case 'non-atomic-take':
      return nonAtomicTake(store);
    case 'drop-writes':
      return droppingWrites(store);
    case 'stale-reads':
      return staleReads(store);
    case 'applies-failed-writes':
      return appliesFailedWrites(store);
  }
}

function delegate(store: ByteStore): ByteStore {
  return {
    capabilities: store.capabilities,
    get: (c, k) => store.get(c, k),
    getEntry: (c, k) => store.getEntry(c, k),
    set: (c, k, v, o) => store.set(c, k, v, o),
    delete: (c, k, o) => store.delete(c, k, o),
    take: (c, k) => store.take(c, k),
    list: (c, o) => store.list(c, o),
    close: () => store.close(),
  };
}

/** `take` as get, then an await, then delete: two concurrent takers can both receive the value. */
function nonAtomicTake(store: ByteStore): ByteStore {
  return {
    ...delegate(store),
    async take(collection, key) {
      const value = await store.get(collection, key);
      if (value === undefined) return undefined;
      await new Promise((resolve) => setTimeout(resolve, TAKE_GAP_MS));
      await store.delete(collection, key);
      return value;
    },
  };
}

/** Acknowledges every fifth write without a TTL (client registrations) and stores nothing. */
function droppingWrites(store: ByteStore): ByteStore {
  let durableWrites = 0;
  return {
    ...delegate(store),
    async set(collection, key, value, options?: SetOptions) {
      if (options?.ttlMs === undefined && ++durableWrites % DROP_EVERY === 0) return true;
      return store.set(collection, key, value, options);
    },
  };
}

/** Remembers what it wrote with a TTL and serves it when the backend no longer has it: expired entries come back. */
function staleReads(store: ByteStore): ByteStore {
  const remembered = new Map<string, Uint8Array>();
  const id = (collection: string, key: string) => `${collection}\u0000${key}`;
  return {
    ...delegate(store),
    async set(collection, key, value, options?: SetOptions) {
      const written = await store.set(collection, key, value, options);
      if (written && options?.ttlMs !== undefined) {
        remembered.set(id(collection, key), value);
        if (remembered.size > STALE_CACHE_SIZE) remembered.delete(remembered.keys().next().value as string);
      }
      return written;
    },
    async get(collection, key) {
      return (await store.get(collection, key)) ?? remembered.get(id(collection, key));
    },
  };
}

/**
 * Rejects every fourth write with `unavailable` and `outcomeUnknown: false` ("certainly not applied"), then applies
 * it anyway a moment later: what a client library that queues a command offline and resends it after reconnecting
 * does when the store already reported the operation failed.
 */
function appliesFailedWrites(store: ByteStore): ByteStore {
  let writes = 0;
  return {
    ...delegate(store),
    async set(collection, key, value, options?: SetOptions) {
      if (++writes % FAIL_EVERY !== 0) return store.set(collection, key, value, options);
      setTimeout(() => {
        store.set(collection, key, value, options).catch(() => {});
      }, RESEND_AFTER_MS);
      throw new StoreUnavailableError('set failed: not connected (broken on purpose).', {
        source: 'soak-broken',
        outcomeUnknown: false,
      });
    },
  };
}
