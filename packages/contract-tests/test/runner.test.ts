// How the suite registers itself: both calling conventions, runner detection, the notice for a missing
// processFactory, and typed errors for bad options.
import { describe, expect, it } from '@jest/globals';
import { MemoryStore } from '@oauth-store/core';
import { runStoreContract, runTakeTests, storeContractSuites } from '../src/index';
import { collectingRunner, failures } from './helpers/collecting-runner';

const memory = () => new MemoryStore();

describe('runner handling', () => {
  it('node:test style ({ describe, it, before, after }) gets it(title, { timeout }, fn) and the tests pass', async () => {
    const collected = collectingRunner('node');
    runTakeTests({
      name: 'memory',
      create: memory,
      sharedInstances: false,
      runner: collected.runner,
      ttlMs: 100,
      testTimeoutMs: 12_345,
      log: () => undefined,
    });
    expect(collected.timeouts.length).toBeGreaterThan(3);
    expect(new Set(collected.timeouts)).toEqual(new Set([12_345]));
    expect(failures(await collected.run())).toEqual([]);
  });

  it('jest/vitest style gets it(title, fn, timeout)', () => {
    const collected = collectingRunner('jest');
    runTakeTests({ name: 'memory', create: memory, runner: collected.runner, log: () => undefined });
    expect(new Set(collected.timeouts)).toEqual(new Set([60_000]));
  });

  it('runStoreContract registers every suite under one describe named after the store', () => {
    // Registered only: with a processFactory and lostResponses every suite has tests (none of them is run here).
    const collected = collectingRunner();
    runStoreContract({
      name: 'memory',
      create: memory,
      runner: collected.runner,
      processFactory: { module: '/nowhere.mjs' },
      lostResponses: { backend: { host: '127.0.0.1', port: 1 }, create: memory },
      log: () => undefined,
    });
    const titles = collected.titles();
    expect(titles.every((title) => title.startsWith('memory store contract > memory: '))).toBe(true);
    const groups = new Set(titles.map((title) => title.split(' > ')[1]));
    expect(groups.size).toBe(storeContractSuites.length);

    // Without them, the cross-process compare-and-set race and the lost-response suite are left out, with notices.
    const lines: string[] = [];
    const bare = collectingRunner();
    runStoreContract({ name: 'memory', create: memory, runner: bare.runner, log: (line) => lines.push(line) });
    const bareGroups = new Set(bare.titles().map((title) => title.split(' > ')[1]));
    expect(bareGroups.size).toBe(storeContractSuites.length - 2);
    expect(lines.join('\n')).toMatch(/cross-process compare-and-set race NOT registered/);
    expect(lines.join('\n')).toMatch(/lost-response suite NOT registered/);
  });

  it('without processFactory the cross-process test is not registered and one notice line says so', () => {
    const lines: string[] = [];
    const without = collectingRunner();
    runTakeTests({ name: 'memory', create: memory, runner: without.runner, log: (line) => lines.push(line) });
    expect(without.titles().some((title) => /OS processes/.test(title))).toBe(false);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/cross-process take test NOT registered \(no processFactory\)/);
    expect(lines[0]).not.toContain('\n');

    const withFactory = collectingRunner();
    runTakeTests({
      name: 'x',
      create: memory,
      runner: withFactory.runner,
      processFactory: { module: '/nowhere.mjs' },
      log: () => undefined,
    });
    expect(withFactory.titles().filter((title) => /2 OS processes race to take 200 keys/.test(title))).toHaveLength(1);
  });

  it('with no runner and no globals it throws a configuration error naming the fix', () => {
    const g = globalThis as Record<string, unknown>;
    const saved = { describe: g.describe, it: g.it, test: g.test };
    try {
      delete g.describe;
      delete g.it;
      delete g.test;
      expect(() => runStoreContract({ name: 'memory', create: memory })).toThrow(
        expect.objectContaining({
          code: 'configuration',
          message: expect.stringMatching(/pass runner: \{ describe, it/),
        }),
      );
    } finally {
      Object.assign(g, saved);
    }
  });

  it('rejects bad options with configuration errors', () => {
    const bad: Array<[string, unknown]> = [
      ['no options', undefined],
      ['no name', { create: memory }],
      ['no create', { name: 'x' }],
      ['ttlMs below 50', { name: 'x', create: memory, ttlMs: 10 }],
      ['fractional takeRounds', { name: 'x', create: memory, takeRounds: 1.5 }],
      ['one worker', { name: 'x', create: memory, crossProcessWorkers: 1 }],
      ['processFactory without module', { name: 'x', create: memory, processFactory: {} }],
    ];
    for (const [label, options] of bad) {
      expect({
        label,
        thrown: (() => {
          try {
            runStoreContract(options as never);
            return undefined;
          } catch (error) {
            return (error as { code?: string }).code;
          }
        })(),
      }).toEqual({ label, thrown: 'configuration' });
    }
  });
});
