import { ConfigurationError } from '@oauth-store/core';

// Runner functions are typed loosely on purpose: jest's, vitest's and node:test's `describe`/`it` are overloaded
// callables with different signatures, and each must be assignable here without casts in the user's test file.
// biome-ignore lint/suspicious/noExplicitAny: see above.
type RunnerFunction = (...args: any[]) => unknown;

/**
 * The test runner's functions the suite registers its tests with. Pass jest's or vitest's
 * `{ describe, it, beforeAll, afterAll }`, or node:test's `{ describe, it, before, after }`.
 */
export interface TestRunner {
  /** Groups tests. */
  describe: RunnerFunction;
  /** Registers one test (`it`). */
  it?: RunnerFunction;
  /** Registers one test, when the runner calls it `test`. */
  test?: RunnerFunction;
  /** Runs once before the group's tests (jest, vitest). */
  beforeAll?: RunnerFunction;
  /** Runs once after the group's tests (jest, vitest). */
  afterAll?: RunnerFunction;
  /** Runs once before the group's tests (node:test). */
  before?: RunnerFunction;
  /** Runs once after the group's tests (node:test). */
  after?: RunnerFunction;
}

/** The runner, normalised: one calling convention for tests with a timeout, whatever the runner. */
export interface Harness {
  describe(title: string, body: () => void): void;
  test(title: string, body: () => Promise<void>): void;
  /** Registers a cleanup hook; a no-op when the runner has none. */
  afterAll(body: () => Promise<void>): void;
}

function fromGlobals(): TestRunner | undefined {
  const g = globalThis as Record<string, unknown>;
  const describe = g.describe;
  const it = g.it ?? g.test;
  if (typeof describe !== 'function' || typeof it !== 'function') return undefined;
  return {
    describe: describe as RunnerFunction,
    it: it as RunnerFunction,
    beforeAll: typeof g.beforeAll === 'function' ? (g.beforeAll as RunnerFunction) : undefined,
    afterAll: typeof g.afterAll === 'function' ? (g.afterAll as RunnerFunction) : undefined,
  };
}

/**
 * Turns the injected runner, or the jest/vitest globals, into a {@link Harness}. node:test is recognised by its
 * hook names (`before`/`after` without `beforeAll`/`afterAll`) and gets `it(title, { timeout }, fn)`; jest and
 * vitest get `it(title, fn, timeout)`.
 */
export function resolveHarness(runner: TestRunner | undefined, timeoutMs: number): Harness {
  const chosen = runner ?? fromGlobals();
  if (!chosen) {
    throw new ConfigurationError(
      'no test runner found: pass runner: { describe, it, beforeAll, afterAll } (vitest without globals: import them from "vitest"; node:test: pass { describe, it, before, after } from "node:test").',
      { source: 'contract-tests' },
    );
  }
  const it = chosen.it ?? chosen.test;
  if (typeof chosen.describe !== 'function' || typeof it !== 'function') {
    throw new ConfigurationError('runner must have describe and it (or test) functions.', {
      source: 'contract-tests',
    });
  }
  const nodeStyle = !chosen.beforeAll && !chosen.afterAll && Boolean(chosen.before || chosen.after);
  const after = chosen.afterAll ?? chosen.after;
  return {
    describe: (title, body) => {
      chosen.describe(title, body);
    },
    test: nodeStyle
      ? (title, body) => {
          it(title, { timeout: timeoutMs }, body);
        }
      : (title, body) => {
          it(title, body, timeoutMs);
        },
    afterAll: (body) => {
      if (!after) return;
      if (nodeStyle) after(body, { timeout: timeoutMs });
      else after(body, timeoutMs);
    },
  };
}
