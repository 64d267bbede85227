// Scrubbing: keys are authorization codes and tokens, and backend errors quote them (in messages, in fields such as a
// command's arguments). No error leaving the runtime carries such text: not in its message, not in its cause chain,
// not in any property, whatever the driver throws or its mapError returns.
import { inspect } from 'node:util';
import { describe, expect, it } from '@jest/globals';
import {
  BackendErrorSummary,
  defineStore,
  type OAuthStoreError,
  type StoreDriver,
  StoreUnavailableError,
} from '@oauth-store/core';
import { scriptedDriver } from './support/scripted-driver';

const SECRET_KEY = 'authcode-SplxlOBeZQQYbYS6WxSbIA';

/** A backend error that quotes the key everywhere a client library might. */
function leakyError(): Error {
  return Object.assign(new Error(`ERR wrong type for key "${SECRET_KEY}"`), {
    code: 'WRONGTYPE',
    command: { name: 'get', args: [SECRET_KEY] },
    key: SECRET_KEY,
  });
}

/** Everything reachable from the error, as text: message, stack, own properties, the cause chain. */
function everything(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current !== undefined && depth < 10; depth += 1) {
    parts.push(inspect(current, { depth: 10, showHidden: true }));
    if (current instanceof Error) parts.push(current.message, String(current.stack));
    current = (current as { cause?: unknown })?.cause;
  }
  return parts.join('\n');
}

const throwing = (error: () => unknown): Partial<StoreDriver> => ({
  read: async () => {
    throw error();
  },
  write: async () => {
    throw error();
  },
  remove: async () => {
    throw error();
  },
  take: async () => {
    throw error();
  },
  list: async () => {
    throw error();
  },
});

const calls: Array<[string, (store: ReturnType<typeof defineStore>) => Promise<unknown>]> = [
  ['get', (store) => store.get('c', SECRET_KEY)],
  ['getEntry', (store) => store.getEntry('c', SECRET_KEY)],
  ['set', (store) => store.set('c', SECRET_KEY, new Uint8Array([1]))],
  ['create', (store) => store.set('c', SECRET_KEY, new Uint8Array([1]), { onlyIfAbsent: true })],
  ['delete', (store) => store.delete('c', SECRET_KEY)],
  ['take', (store) => store.take('c', SECRET_KEY)],
  ['list', (store) => store.list('c')],
];

describe('runtime scrubbing', () => {
  for (const [name, call] of calls) {
    it(`${name}: a backend error quoting the key reaches neither message nor cause (default mapping)`, async () => {
      const store = defineStore(scriptedDriver(throwing(leakyError)));
      const error = await call(store).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(StoreUnavailableError);
      expect(everything(error)).not.toContain(SECRET_KEY);
      // What is kept for diagnosis: the backend error's name and code.
      const cause = (error as { cause?: unknown }).cause;
      const root = cause instanceof BackendErrorSummary ? cause : (cause as { cause?: unknown })?.cause;
      expect(root).toBeInstanceOf(BackendErrorSummary);
      expect((root as BackendErrorSummary).code).toBe('WRONGTYPE');
      expect((root as BackendErrorSummary).message).toBe('Error WRONGTYPE');
    });
  }

  it("a driver's mapError that keeps the raw error as cause is scrubbed too", async () => {
    const store = defineStore(
      scriptedDriver({
        ...throwing(leakyError),
        mapError: (error) =>
          new StoreUnavailableError('the backend refused the command.', { source: 'scripted', cause: error }),
      }),
    );
    for (const [, call] of calls) {
      const error = await call(store).catch((e: unknown) => e);
      expect((error as OAuthStoreError).code).toBe('unavailable');
      expect(everything(error)).not.toContain(SECRET_KEY);
    }
  });

  it('a mapError that throws falls back to the default mapping, still scrubbed', async () => {
    const store = defineStore(
      scriptedDriver({
        ...throwing(leakyError),
        mapError: () => {
          throw leakyError();
        },
      }),
    );
    const error = await store.get('c', SECRET_KEY).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreUnavailableError);
    expect(everything(error)).not.toContain(SECRET_KEY);
  });

  it('non-Error throwables (strings, objects) quoting the key are scrubbed', async () => {
    for (const thrown of [`boom ${SECRET_KEY}`, { message: SECRET_KEY, code: 42 }]) {
      const store = defineStore(scriptedDriver(throwing(() => thrown)));
      const error = await store.take('c', SECRET_KEY).catch((e: unknown) => e);
      expect((error as OAuthStoreError).code).toBe('unavailable');
      expect(everything(error)).not.toContain(SECRET_KEY);
    }
  });

  it('validation errors describe a bad key without echoing it', async () => {
    const store = defineStore(scriptedDriver());
    const tooLong = `${SECRET_KEY}${'x'.repeat(2000)}`;
    const error = await store.get('c', tooLong).catch((e: unknown) => e);
    expect((error as OAuthStoreError).code).toBe('invalid_key');
    expect(everything(error)).not.toContain(SECRET_KEY);
  });
});
