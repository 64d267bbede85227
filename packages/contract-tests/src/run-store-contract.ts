import { resolveOptions, type StoreContractOptions } from './options';
import { resolveHarness } from './runner';
import { runBasicTests } from './suites/basic';
import { runCloseTests } from './suites/close';
import { runCompareAndSetTests } from './suites/compare-and-set';
import { runCompareAndSetRaceTests } from './suites/compare-and-set-race';
import { runConditionalCreateTests } from './suites/conditional-create';
import { runExpiryPrecisionTests } from './suites/expiry-precision';
import { runIsolationTests } from './suites/isolation';
import { runKeyTests } from './suites/keys';
import { runListTests } from './suites/list';
import { runLostResponseTests } from './suites/lost-responses';
import { runTakeTests } from './suites/take';
import { runTtlTests } from './suites/ttl';
import { runValueTests } from './suites/values';

/** Every suite, in the order {@link runStoreContract} registers them. */
export const storeContractSuites = [
  runBasicTests,
  runConditionalCreateTests,
  runTtlTests,
  runExpiryPrecisionTests,
  runTakeTests,
  runCompareAndSetTests,
  runCompareAndSetRaceTests,
  runLostResponseTests,
  runListTests,
  runKeyTests,
  runValueTests,
  runIsolationTests,
  runCloseTests,
] as const;

/**
 * Registers the whole `ByteStore` contract suite with the test runner, under one `describe` named after the store.
 * Call it at the top level of a test file (jest, vitest or node:test). Every run writes under a fresh random
 * collection-name prefix, so several runs can share one server.
 *
 * @example
 * runStoreContract({ name: 'redis', create: () => createRedisStore({ url }) });
 */
export function runStoreContract(options: StoreContractOptions): void {
  // One resolved object for all suites, so they share the run's namespace (see SuiteContext).
  const resolved = resolveOptions(options);
  const harness = resolveHarness(resolved.runner, resolved.testTimeoutMs);
  harness.describe(`${resolved.name} store contract`, () => {
    for (const suite of storeContractSuites) suite(resolved);
  });
}
