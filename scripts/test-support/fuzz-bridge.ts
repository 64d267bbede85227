// Issue 12: a fast-check fuzz over a bridge's entry points. Any input must give a value or a typed OAuthStoreError,
// never another exception, and a call that fails must write nothing. One copy here; each bridge's test/fuzz.test.ts
// describes its own entry points.
import { expect } from '@jest/globals';
import { type ByteStore, isOAuthStoreError, MemoryStore } from '@oauth-store/core';
import fc from 'fast-check';

/** A MemoryStore that counts the writes that changed it (sets that resolved true, deletes and takes that removed). */
export function countingStore(): { store: ByteStore; writes: () => number } {
  const inner = new MemoryStore();
  let writes = 0;
  const count =
    <T>(changed: (result: T) => boolean) =>
    (result: T) => {
      if (changed(result)) writes++;
      return result;
    };
  const store: ByteStore = {
    capabilities: inner.capabilities,
    get: (c, k) => inner.get(c, k),
    getEntry: (c, k) => inner.getEntry(c, k),
    set: (c, k, v, o) => inner.set(c, k, v, o).then(count((written) => written)),
    delete: (c, k, o) => inner.delete(c, k, o).then(count((deleted) => deleted)),
    take: (c, k) => inner.take(c, k).then(count((taken) => taken !== undefined)),
    list: (c, o) => inner.list(c, o),
    close: () => inner.close(),
  };
  return { store, writes: () => writes };
}

/** Arbitrary inputs of every shape, including the ids a careless or hostile request sends. */
export const anyInput: fc.Arbitrary<unknown> = fc.oneof(
  fc.anything({ withNullPrototype: true, withDate: true, withMap: true, withSet: true, withTypedArray: true }),
  fc.string(),
  fc.string({ unit: 'binary', maxLength: 600 }),
  fc.constantFrom('', '\uD800', 'x'.repeat(5000), '__proto__', 'constructor', -1, 0, 1e21, Number.NaN),
);

/** Calls `call`; passes on a value or a typed error (which must have written nothing); fails on anything else. */
export async function expectTypedOutcome(call: () => unknown, writes: () => number): Promise<void> {
  const before = writes();
  try {
    await call();
  } catch (error) {
    if (!isOAuthStoreError(error)) {
      throw new Error(`untyped ${(error as Error)?.name}: ${(error as Error)?.message}`);
    }
    expect(writes()).toBe(before);
  }
}

/** Runs `exercise` on fresh stores for `numRuns` tuples of arbitrary inputs. */
export async function fuzzBridge(
  exercise: (inputs: unknown[], store: ByteStore, writes: () => number) => Promise<void>,
  { arity = 3, numRuns = 150 }: { arity?: number; numRuns?: number } = {},
): Promise<void> {
  await fc.assert(
    fc.asyncProperty(fc.array(anyInput, { minLength: arity, maxLength: arity }), async (inputs) => {
      const { store, writes } = countingStore();
      await exercise(inputs, store, writes);
    }),
    { numRuns },
  );
}
