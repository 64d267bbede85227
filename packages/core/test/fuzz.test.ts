// Issue 12: any input to a public method of ClientStore or TransactionStore yields a value or a typed error, never
// another exception, and a call that fails writes nothing.
import { describe, expect, it } from '@jest/globals';
import { type ByteStore, ClientStore, isOAuthStoreError, MemoryStore, TransactionStore } from '@oauth-store/core';
import fc from 'fast-check';

/** Counts the writes that reach the backend, to prove a failed call wrote nothing. */
function countingStore(): { store: ByteStore; writes: () => number } {
  const inner = new MemoryStore();
  let writes = 0;
  const store: ByteStore = {
    capabilities: inner.capabilities,
    get: (c, k) => inner.get(c, k),
    getEntry: (c, k) => inner.getEntry(c, k),
    set: async (c, k, v, o) => {
      const written = await inner.set(c, k, v, o);
      if (written) writes++;
      return written;
    },
    delete: (c, k, o) => inner.delete(c, k, o),
    take: (c, k) => inner.take(c, k),
    list: (c, o) => inner.list(c, o),
    close: () => inner.close(),
  };
  return { store, writes: () => writes };
}

const anyInput = fc.oneof(
  fc.anything({ withNullPrototype: true, withDate: true, withMap: true, withSet: true, withTypedArray: true }),
  fc.string(),
  fc.string({ unit: 'binary', maxLength: 600 }),
  fc.constant(''),
  fc.record({ redirect_uris: fc.array(fc.oneof(fc.webUrl(), fc.string())), client_name: fc.string() }),
);

async function outcome(call: () => Promise<unknown>, writes: () => number): Promise<void> {
  const before = writes();
  try {
    await call();
  } catch (error) {
    if (!isOAuthStoreError(error)) throw new Error(`untyped ${(error as Error)?.name}: ${(error as Error)?.message}`);
    expect(writes()).toBe(before);
  }
}

describe('fuzz: every public entry point answers a value or a typed error', () => {
  it('ClientStore', async () => {
    await fc.assert(
      fc.asyncProperty(anyInput, anyInput, async (a, b) => {
        const { store, writes } = countingStore();
        const clients = new ClientStore(store);
        await outcome(() => clients.registerClient(a as never), writes);
        await outcome(() => clients.getClient(a as never), writes);
        await outcome(() => clients.updateClient(a as never, b as never), writes);
        await outcome(() => clients.deleteClient(a as never), writes);
        await outcome(() => clients.listClients(a as never), writes);
      }),
      { numRuns: 300 },
    );
  });

  it('TransactionStore', async () => {
    await fc.assert(
      fc.asyncProperty(anyInput, anyInput, anyInput, async (key, value, options) => {
        const { store, writes } = countingStore();
        const txns = new TransactionStore(store);
        for (const collection of [txns.transactions, txns.consentTokens, txns.upstreamTokens, txns.tokenMappings]) {
          await outcome(() => collection.put(key as never, value as never, options as never), writes);
          await outcome(() => collection.create(key as never, value as never, options as never), writes);
          await outcome(() => collection.get(key as never), writes);
          await outcome(() => collection.take(key as never), writes);
          await outcome(() => collection.delete(key as never), writes);
          await outcome(() => collection.list(options as never), writes);
        }
        await outcome(() => txns.authorizationCodes.issue(key as never, value as never), writes);
        await outcome(() => txns.authorizationCodes.peek(key as never), writes);
        await outcome(() => txns.authorizationCodes.consume(key as never), writes);
      }),
      { numRuns: 200 },
    );
  });
});
