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

/** Ids that cannot name an entry: a lookup of any of them must answer "not found", never throw (issue 12 item 6). */
export const IMPOSSIBLE_IDS: readonly unknown[] = [
  '',
  '\uD800',
  `a\uDC00b`,
  'x'.repeat(5000),
  42,
  null,
  undefined,
  {},
  Object.create(null),
  ['a'],
];

/** Shortest string input checked for in messages: shorter ones (a letter, a word) can occur in any sentence. */
const ECHO_MIN_LENGTH = 8;

/** The messages of an error and of its `cause` chain. */
function messagesOf(error: unknown): string[] {
  const messages: string[] = [];
  for (let current = error, depth = 0; current instanceof Error && depth < 10; depth++) {
    messages.push(current.message);
    current = current.cause;
  }
  return messages;
}

/**
 * Calls `call`; passes on a value or a typed error (which must have written nothing, and whose message and causes
 * quote none of the string `inputs`: ids, codes and tokens are secrets); fails on anything else.
 */
export async function expectTypedOutcome(
  call: () => unknown,
  writes: () => number,
  inputs: readonly unknown[] = [],
): Promise<void> {
  const before = writes();
  try {
    await call();
  } catch (error) {
    if (!isOAuthStoreError(error)) {
      throw new Error(`untyped ${(error as Error)?.name}: ${(error as Error)?.message}`);
    }
    expect(writes()).toBe(before);
    for (const input of inputs) {
      if (typeof input !== 'string' || input.trim().length < ECHO_MIN_LENGTH) continue;
      for (const message of messagesOf(error)) {
        if (message.includes(input)) throw new Error(`the ${error.code} error message quotes an input`);
      }
    }
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
