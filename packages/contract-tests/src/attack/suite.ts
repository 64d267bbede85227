import { resolveHarness } from '../runner';
import { type AttackSuiteOptions, type ResolvedAttackOptions, resolveAttackOptions } from './options';

/** Registers one attack sub-suite: options resolved, runner found, tests registered in a describe block. */
export function defineAttackSuite(
  title: string,
  register: (options: ResolvedAttackOptions, test: (title: string, body: () => Promise<void>) => void) => void,
): (options: AttackSuiteOptions) => void {
  return (raw) => {
    const options = resolveAttackOptions(raw);
    const harness = resolveHarness(options.runner, options.testTimeoutMs);
    harness.describe(`${options.name}: attack: ${title}`, () => {
      register(options, (name, body) => harness.test(name, body));
    });
  };
}
