// A correct store constructed per instance (an in-process store) run without `sharedInstances: false` fails the
// cross-instance and cross-process checks; each such failure must say why and name the option, and the same store
// run with the option passes (so the hint points at the actual fix).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import {
  runBasicTests,
  runCloseTests,
  runCompareAndSetRaceTests,
  runConditionalCreateTests,
  runTakeTests,
  type StoreContractOptions,
} from '../src/index';
import { perInstanceMemory } from './broken-stores';
import { createFsStore } from './fixtures/fs-store';
import { collectingRunner, failures } from './helpers/collecting-runner';
import { fixture, workspaceChild } from './helpers/workspace';

type Suite = (options: StoreContractOptions) => void;

async function run(suite: Suite, options: Omit<StoreContractOptions, 'name' | 'runner'>) {
  const collected = collectingRunner();
  suite({
    name: 'subject',
    runner: collected.runner,
    ttlMs: 150,
    takeRounds: 5,
    log: () => undefined,
    ...options,
  });
  return collected.run();
}

const messages = (outcomes: Awaited<ReturnType<typeof run>>) =>
  Object.fromEntries(
    outcomes.filter((outcome) => outcome.error !== undefined).map((o) => [o.title, (o.error as Error).message]),
  );

describe('a store constructed per instance, run as if its instances shared data', () => {
  it.each([
    ['runBasicTests', runBasicTests, /a write through one store instance is read through another/],
    ['runCloseTests', runCloseTests, /closing one instance leaves the data/],
    ['runConditionalCreateTests', runConditionalCreateTests, /concurrent creates of one key over 4 instances/],
  ] as const)(
    '%s: the cross-instance failure suggests sharedInstances: false; with it the suite passes',
    async (_name, suite, title) => {
      const failed = messages(await run(suite, { create: perInstanceMemory() }));
      expect(Object.keys(failed)).toEqual([expect.stringMatching(title)]);
      expect(Object.values(failed)[0]).toMatch(/do not share data.*pass sharedInstances: false/);
      expect(failures(await run(suite, { create: perInstanceMemory(), sharedInstances: false }))).toEqual([]);
    },
  );

  const dirs: string[] = [];
  afterAll(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });
  // The parent writes through a real shared store (files); each child builds its own in-process store and sees none.
  const crossProcess = () => {
    const dir = mkdtempSync(join(tmpdir(), 'contract-hint-'));
    dirs.push(dir);
    return {
      create: () => createFsStore({ dir }),
      processFactory: {
        module: fixture('per-process-store.ts'),
        exportName: 'createPerProcessStore',
        ...workspaceChild,
      },
      crossProcessKeys: 20,
      casRaceRounds: 20,
    };
  };

  it.each([
    ['runTakeTests', runTakeTests, /OS processes race to take/, /20 of 20 keys were taken by no process/],
    [
      'runCompareAndSetRaceTests',
      runCompareAndSetRaceTests,
      /OS processes race compare-and-set/,
      /20 of 20 rounds had no winner/,
    ],
  ] as const)(
    '%s: the cross-process failure suggests sharedInstances: false',
    async (_name, suite, title, symptom) => {
      const failed = messages(await run(suite, crossProcess()));
      const [message] =
        Object.entries(failed)
          .find(([name]) => title.test(name))
          ?.slice(1) ?? [];
      expect(message).toMatch(symptom);
      expect(message).toMatch(/do not share data across processes.*pass sharedInstances: false and no processFactory/);
    },
    90_000,
  );
});
