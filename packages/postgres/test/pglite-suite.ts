// Everything on PGlite (PostgreSQL compiled to WASM, in this process) for ONE version of @electric-sql/pglite, in one
// test file per version so the slow WASM start-up happens once per version: which version it is, openPGliteStore on a
// data directory, the targeted adapter cases and the whole ByteStore contract. The adapter cases and the contract share
// one PGlite instance, so their stores see the same data. There is no processFactory: PGlite is one connection inside
// one process and cannot be shared between processes, so the cross-process take test does not apply to it (that test
// runs against a real server in contract.test.ts).
//
// Registered by pglite.test.ts (the devDependency), pglite-lowest.test.ts (the floor of the peer range) and
// pglite-newest.test.ts (the newest release the range admits). The latter two map `@electric-sql/pglite` to their npm
// alias for the whole file, so openPGliteStore's own import gets that version too; nothing is stubbed.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { runStoreContract } from '@oauth-store/contract-tests';
import { installedVersion } from '../../../scripts/test-support/installed-version';
import { fromPGlite, openPGliteStore, type PGliteLike, PostgresStore } from '../src/index';
import { adapterCases } from './adapter-cases';
import { uniqueName } from './helpers';

/**
 * The part of an `@electric-sql/pglite` module the suite uses. The calling files pass the module they imported, so the
 * typecheck proves that each version's PGlite instance fits PGliteLike.
 */
export interface PGliteModule {
  PGlite: { create(): Promise<PGliteLike> };
}

/** Which version a calling file runs, and what it must be. */
export interface PGliteVersion {
  /** The name the module was imported under: `@electric-sql/pglite` or one of its npm aliases. */
  importName: string;
  /** That module, imported by the calling file (a literal import, so it resolves through the alias). */
  module: PGliteModule;
  /**
   * Which end of the peer range it stands for. `lowest`: it must be the range's floor. `newest`: the range must end
   * right after its minor (0.x minors are breaking releases, so the range admits no minor that was not tested).
   * `devDependency`: the version every other test file runs.
   */
  end: 'lowest' | 'newest' | 'devDependency';
}

const PACKAGE = '@electric-sql/pglite';
const peerRange = (
  JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
    peerDependencies: Record<string, string>;
  }
).peerDependencies[PACKAGE] as string;

/** Negative, zero or positive as release `a` is older than, the same as or newer than `b` (plain x.y.z only). */
function compareVersions(a: string, b: string): number {
  const [x, y] = [a, b].map((v) => v.split('.').map(Number)) as [number[], number[]];
  for (let i = 0; i < 3; i++) if (x[i] !== y[i]) return (x[i] ?? 0) - (y[i] ?? 0);
  return 0;
}

/** Registers the version check, the openPGliteStore check, the adapter cases and the contract suite for one version. */
export function pgliteSuite({ importName, module, end }: PGliteVersion): void {
  const version = installedVersion(importName, PACKAGE, import.meta.url);
  const { PGlite } = module;

  describe(`${PACKAGE} ${version} (${end}, as ${importName})`, () => {
    it(`is the version under test, inside the peer range ${peerRange}, and the one openPGliteStore loads`, async () => {
      const bounds = /^>=(\d+\.\d+\.\d+) <(\d+\.\d+\.\d+)$/.exec(peerRange);
      expect(bounds).not.toBeNull();
      const [, floor, ceiling] = bounds as unknown as [string, string, string];
      expect(compareVersions(version, floor)).toBeGreaterThanOrEqual(0);
      expect(compareVersions(version, ceiling)).toBeLessThan(0);
      if (end === 'lowest') expect(version).toBe(floor);
      if (end === 'newest') {
        const [major, minor] = version.split('.').map(Number) as [number, number];
        expect(ceiling).toBe(`${major}.${minor + 1}.0`);
      }
      if (end !== 'devDependency') expect(version).not.toBe(installedVersion(PACKAGE, PACKAGE, import.meta.url));
      // The module under test is the one importName resolves to (so `version` is its version), and the one
      // openPGliteStore's own import of the peer gets (the calling file mapped the peer's name to it).
      expect(((await import(importName)) as PGliteModule).PGlite).toBe(PGlite);
      expect((await import('@electric-sql/pglite')).PGlite).toBe(PGlite);
    });

    it('openPGliteStore runs on this version with a data directory (it passes PGlite.create the path)', async () => {
      const dataDir = mkdtempSync(join(tmpdir(), 'oauth-store-pglite-'));
      try {
        const store = await openPGliteStore({ url: `pglite:${dataDir}`, sweepIntervalMs: 0 });
        expect(await store.set('c', 'k', new Uint8Array([1, 2]), { onlyIfAbsent: true })).toBe(true);
        expect(await store.take('c', 'k')).toEqual(new Uint8Array([1, 2]));
        await store.close();
        // The cluster was written to the directory, not kept in memory.
        expect(readdirSync(dataDir)).toContain('PG_VERSION');
      } finally {
        rmSync(dataDir, { recursive: true, force: true });
      }
    }, 60_000);
  });

  let lite: Promise<PGliteLike> | undefined;
  const shared = () => {
    lite ??= PGlite.create().then(async (db) => {
      await new PostgresStore({ client: fromPGlite(db) }).migrate();
      return db;
    });
    return lite;
  };
  let db: PGliteLike;

  beforeAll(async () => {
    db = await shared();
  }, 60_000);

  afterAll(async () => {
    await (await lite)?.close();
  });

  adapterCases({
    name: `PGlite ${version}`,
    table: uniqueName('adapter'),
    client: () => fromPGlite(db),
    raw: async (text, params) => (await db.query<Record<string, unknown>>(text, params)).rows,
  });

  runStoreContract({
    name: `postgres (PGlite ${version})`,
    create: async () => new PostgresStore({ client: fromPGlite(await shared()) }),
    // PGlite runs one statement at a time on its one connection, so race rounds beyond a few add time, not coverage
    // (the races are exercised for real on the server in contract.test.ts).
    takeRounds: 15,
    // The ends of the range run smaller property and paging sizes: the same paths, less repetition of them.
    ...(end === 'devDependency' ? {} : { propertyRuns: 10, listKeys: 15 }),
    rawReader: async (collection, key) => {
      const { rows } = await (await shared()).query<{ value: Uint8Array }>(
        'SELECT value FROM oauth_store WHERE collection = $1 AND key = $2',
        [Buffer.from(collection), Buffer.from(key)],
      );
      return rows[0]?.value;
    },
  });
}
