import { resolveEncryptionHarness } from './harness';
import { type EncryptionContractOptions, type ResolvedEncryptionOptions, resolveEncryptionOptions } from './options';

/** Registers one encryption sub-suite: options resolved, runner found, tests registered in a describe block. */
export function defineEncryptionSuite(
  title: string,
  register: (options: ResolvedEncryptionOptions, test: (title: string, body: () => Promise<void>) => void) => void,
): (options: EncryptionContractOptions) => void {
  return (raw) => {
    const options = resolveEncryptionOptions(raw);
    const harness = resolveEncryptionHarness(options.runner, options.testTimeoutMs);
    harness.describe(`${options.name}: encryption: ${title}`, () => {
      register(options, (name, body) => harness.test(name, body));
    });
  };
}
