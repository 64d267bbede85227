// The lost-response cases of the SQL adapters' tests (postgres, mysql): one copy here, each package's
// lost-response.test.ts calls lostResponseTests with its own stores. They check what the published lost-response suite
// cannot on MySQL 8 (its take is a multi-command transaction): see takeIsOneStatement.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type LossyProxy, startLossyProxy } from '@oauth-store/contract-tests';
import type { ByteStore } from '@oauth-store/core';

/** What the lost-response cases need from an adapter. */
export interface LostResponseTarget {
  /** Shown in the test titles. */
  name: string;
  /** The backend's loopback port (the proxy forwards there). */
  backendPort: number;
  /** A store connected directly to the backend. */
  openDirect: () => Promise<ByteStore>;
  /**
   * A store connected through the proxy on `port`, with a short timeoutMs (about 1.5 s) and ONE connection, so the
   * connection warmed up in `pass` mode is the one the next command uses.
   */
  openProxied: (port: number) => Promise<ByteStore>;
  /** Whether the backend physically holds a row for (collection, key), read directly (white box). */
  rawExists: (collection: string, key: string) => Promise<boolean>;
  /** False when a take's first command does not apply anything by itself (a transaction); default true. */
  takeIsOneStatement?: boolean;
}

async function until(condition: () => Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const bytes = (text: string) => new Uint8Array(Buffer.from(text));

/**
 * Responses lost on the wire (a loopback proxy that forwards commands and drops the answers, then resets the
 * connections): a conditional create that landed resolves true for its own writer; a take that landed is applied once
 * and reported with `outcomeUnknown`; nothing that rejected is ever sent again after the reconnect.
 */
export function lostResponseTests(target: LostResponseTarget): void {
  describe(`lost responses through a lossy proxy on ${target.name}`, () => {
    let proxy: LossyProxy;
    let direct: ByteStore;
    const collection = `lossy-${process.pid}-${Date.now()}`;

    beforeAll(async () => {
      proxy = await startLossyProxy({ host: '127.0.0.1', port: target.backendPort });
      direct = await target.openDirect();
    });
    afterAll(async () => {
      await direct?.close();
      await proxy?.close();
    });

    /**
     * A proxied store whose one connection is open and idle, with every statement the cases send already used once
     * (drivers that prepare statements, like mysql2's execute, wait for the prepare's answer before sending the
     * command: the cases are about losing the command's answer, not the prepare's).
     */
    async function warmProxied(): Promise<ByteStore> {
      proxy.setMode('pass');
      const store = await target.openProxied(proxy.port);
      await store.get(collection, 'warm-up');
      await store.set(collection, 'warm-up', bytes('w'), { onlyIfAbsent: true });
      await store.set(collection, 'warm-up', bytes('w'));
      await store.take(collection, 'warm-up');
      return store;
    }

    it('a conditional create whose answer was lost resolves true for its own writer, once', async () => {
      const store = await warmProxied();
      try {
        proxy.setMode('drop-responses');
        const pending = store.set(collection, 'create', bytes('mine'), { onlyIfAbsent: true });
        await until(() => target.rawExists(collection, 'create'), 'the create to reach the server');
        proxy.resetConnections();
        proxy.setMode('pass');
        // The runtime re-reads through a fresh connection, finds its own version, and reports the write as done.
        await expect(pending).resolves.toBe(true);
        expect(await direct.take(collection, 'create')).toEqual(bytes('mine'));
        // Nothing resends the create after the reconnect: the key stays taken.
        expect(await store.get(collection, 'create')).toBeUndefined();
        expect(await store.set(collection, 'probe', bytes('p'))).toBe(true);
        expect(await direct.get(collection, 'create')).toBeUndefined();
      } finally {
        proxy.setMode('pass');
        await store.close();
      }
    }, 30_000);

    it('a take whose answer was lost rejects with outcomeUnknown and is applied at most once', async () => {
      const store = await warmProxied();
      try {
        await direct.set(collection, 'code', bytes('one-time'));
        proxy.setMode('drop-responses');
        const pending = store.take(collection, 'code').then(
          () => 'resolved',
          (error: unknown) => error,
        );
        if (target.takeIsOneStatement ?? true) {
          await until(async () => !(await target.rawExists(collection, 'code')), 'the take to reach the server');
          proxy.resetConnections();
        }
        const error = await pending;
        proxy.resetConnections();
        proxy.setMode('pass');
        expect(error).toMatchObject({ code: 'unavailable', outcomeUnknown: true });
        // Applied at most once: the code is either gone (the take landed) or still there for exactly one taker.
        const left = await direct.take(collection, 'code');
        if (target.takeIsOneStatement ?? true) expect(left).toBeUndefined();
        expect(left === undefined || Buffer.from(left).toString() === 'one-time').toBe(true);
        // A new value under the same key survives the reconnect: the lost take is not resent.
        await direct.set(collection, 'code', bytes('second'));
        expect(await store.set(collection, 'probe', bytes('p'))).toBe(true);
        expect(await store.get(collection, 'code')).toEqual(bytes('second'));
        expect(await direct.get(collection, 'code')).toEqual(bytes('second'));
      } finally {
        proxy.setMode('pass');
        await store.close();
      }
    }, 30_000);

    it('a write cut off by a partition is never applied after it rejected', async () => {
      const store = await warmProxied();
      try {
        proxy.setMode('blackhole');
        const error = await store.set(collection, 'late', bytes('late')).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(error).toMatchObject({ code: 'unavailable' });
        proxy.resetConnections();
        proxy.setMode('pass');
        // After the reconnect, with further traffic on the store, the rejected write never shows up.
        for (let i = 0; i < 5; i++) expect(await store.set(collection, `after-${i}`, bytes('x'))).toBe(true);
        expect(await direct.get(collection, 'late')).toBeUndefined();
        expect(await target.rawExists(collection, 'late')).toBe(false);
      } finally {
        proxy.setMode('pass');
        await store.close();
      }
    }, 30_000);
  });
}
