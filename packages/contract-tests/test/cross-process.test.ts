// The cross-process take machinery: children running workspace TypeScript resolve @oauth-store/* to sources, a
// non-atomic take across processes is caught, a failing child is reported, and hanging children are killed.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { runCompareAndSetRaceTests, runTakeTests, type StoreContractOptions } from '../src/index';
import { createFsStore } from './fixtures/fs-store';
import { collectingRunner } from './helpers/collecting-runner';
import { fixture, workspaceChild } from './helpers/workspace';

const dirs: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'contract-xp-'));
  dirs.push(dir);
  return dir;
};
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const CROSS = /OS processes race/;

/** Runs only the take suite through the collecting runner and returns the cross-process test's outcome. */
async function crossProcessOutcome(options: Omit<StoreContractOptions, 'name' | 'runner'>) {
  const collected = collectingRunner();
  runTakeTests({
    name: 'subject',
    runner: collected.runner,
    takeRounds: 2,
    ttlMs: 100,
    log: () => undefined,
    ...options,
  });
  const outcome = (await collected.run()).find((result) => CROSS.test(result.title));
  if (!outcome) throw new Error('the cross-process test was not registered');
  return outcome;
}

/** Runs only the cross-process compare-and-set race through the collecting runner and returns its outcome. */
async function casRaceOutcome(dir: string, racy: boolean) {
  const collected = collectingRunner();
  runCompareAndSetRaceTests({
    name: 'subject',
    runner: collected.runner,
    create: () => createFsStore({ dir, racyCompareAndSet: racy }),
    processFactory: {
      module: fixture('fs-store.ts'),
      exportName: 'createFsStore',
      config: { dir, racyCompareAndSet: racy },
      ...workspaceChild,
    },
    casRaceRounds: 60,
    log: () => undefined,
  });
  const outcomes = await collected.run();
  expect(outcomes).toHaveLength(1);
  return outcomes[0]!;
}

describe('cross-process compare-and-set race', () => {
  it('passes on a store whose compare-and-set holds a lock across processes (4 children)', async () => {
    const outcome = await casRaceOutcome(tempDir(), false);
    expect(outcome.error).toBeUndefined();
    expect(outcome.title).toMatch(/4 OS processes race compare-and-set on 60 keys/);
  }, 90_000);

  it('fails when compare-and-set reads, compares and writes without a lock', async () => {
    const outcome = await casRaceOutcome(tempDir(), true);
    expect((outcome.error as Error)?.message).toMatch(/rounds had more than one winning process/);
  }, 90_000);
});

describe('cross-process take test', () => {
  it('children started with tsxChildOptions + tsconfig.child.json resolve @oauth-store/* to the sources', () => {
    const probe = ['--input-type=module', '-e', "console.log(import.meta.resolve('@oauth-store/core'))"];
    const run = spawnSync(process.execPath, [...(workspaceChild.execArgv ?? []), ...probe], {
      cwd: join(fixture(''), '../../../..'),
      env: { ...process.env, ...workspaceChild.env },
      encoding: 'utf8',
    });
    expect(run.stderr).toBe('');
    expect(run.stdout.trim()).toMatch(/\/packages\/core\/src\/index\.ts$/);
  });

  it('fails when take is not atomic across processes (read, then unlink)', async () => {
    const dir = tempDir();
    const outcome = await crossProcessOutcome({
      create: () => createFsStore({ dir, racyTake: true }),
      processFactory: {
        module: fixture('fs-store.ts'),
        exportName: 'createFsStore',
        config: { dir, racyTake: true },
        ...workspaceChild,
      },
    });
    expect((outcome.error as Error)?.message).toMatch(/taken by more than one process/);
  }, 60_000);

  it('reports a child that cannot build the store, with the reason', async () => {
    const dir = tempDir();
    const outcome = await crossProcessOutcome({
      create: () => createFsStore({ dir }),
      processFactory: { module: fixture('hang-store.mjs'), exportName: 'noSuchExport' },
    });
    expect((outcome.error as Error)?.message).toMatch(
      /failed at init: TypeError: the module has no function export named noSuchExport/,
    );
  }, 60_000);

  it('kills children that do not finish in time', async () => {
    const dir = tempDir();
    const pidFile = join(dir, 'pids');
    const outcome = await crossProcessOutcome({
      create: () => createFsStore({ dir }),
      processFactory: { module: fixture('hang-store.mjs'), config: { pidFile } },
      crossProcessKeys: 5,
      crossProcessTimeoutMs: 3_000,
    });
    expect((outcome.error as Error)?.message).toMatch(/timed out after 3000 ms; the children were killed \(starting /);
    const pids = readFileSync(pidFile, 'utf8').trim().split('\n').map(Number);
    expect(pids).toHaveLength(2);
    for (const pid of pids) expect(() => process.kill(pid, 0)).toThrow(expect.objectContaining({ code: 'ESRCH' }));
  }, 60_000);
});
