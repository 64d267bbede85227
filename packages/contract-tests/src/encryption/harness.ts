import { ConfigurationError } from '@oauth-store/core';

// Typed loosely on purpose: jest's, vitest's and node:test's describe/it are overloaded callables with different
// signatures, and each must be assignable here without casts in the user's test file.
// biome-ignore lint/suspicious/noExplicitAny: see above.
type RunnerFunction = (...args: any[]) => unknown;

/**
 * The test runner functions the encryption suite registers its tests with: jest's or vitest's `{ describe, it }`,
 * or node:test's `{ describe, it }`. Default: the `describe` and `it` (or `test`) globals.
 */
export interface EncryptionTestRunner {
  /** Groups tests. */
  describe: RunnerFunction;
  /** Registers one test (`it`). */
  it?: RunnerFunction;
  /** Registers one test, when the runner calls it `test`. */
  test?: RunnerFunction;
  /** Present on node:test only; used to recognise it (its `it` takes options before the body). */
  before?: RunnerFunction;
}

/** The runner, normalised to one calling convention with a timeout. */
export interface EncryptionHarness {
  describe(title: string, body: () => void): void;
  test(title: string, body: () => Promise<void>): void;
}

/** Resolves the injected runner or the jest/vitest globals; throws a typed error when there is neither. */
export function resolveEncryptionHarness(
  runner: EncryptionTestRunner | undefined,
  timeoutMs: number,
): EncryptionHarness {
  const g = globalThis as Record<string, unknown>;
  const chosen: EncryptionTestRunner | undefined =
    runner ??
    (typeof g.describe === 'function' && typeof (g.it ?? g.test) === 'function'
      ? { describe: g.describe as RunnerFunction, it: (g.it ?? g.test) as RunnerFunction }
      : undefined);
  const it = chosen?.it ?? chosen?.test;
  if (!chosen || typeof chosen.describe !== 'function' || typeof it !== 'function') {
    throw new ConfigurationError(
      'no test runner found: pass runner: { describe, it } (from "vitest" without globals, or from "node:test").',
      { source: 'contract-tests' },
    );
  }
  const nodeStyle = typeof chosen.before === 'function' && !('beforeAll' in chosen);
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
  };
}
