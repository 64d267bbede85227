import { type Harness, resolveHarness, type TestRunner } from '../runner';

/**
 * The test runner functions the encryption suite registers its tests with: the same shape as the store suite's
 * {@link TestRunner} (jest's or vitest's `{ describe, it }`, or node:test's `{ describe, it, before }`).
 */
export type EncryptionTestRunner = TestRunner;

/** The runner, normalised to one calling convention with a timeout. */
export type EncryptionHarness = Harness;

/** Resolves the injected runner or the jest/vitest globals; throws a typed error when there is neither. */
export const resolveEncryptionHarness: (runner: EncryptionTestRunner | undefined, timeoutMs: number) => Harness =
  resolveHarness;
