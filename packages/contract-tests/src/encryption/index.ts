import { runBindingTests } from './binding';
import { runConfidentialityTests } from './confidentiality';
import { runKeySelectionTests } from './keys';
import type { EncryptionContractOptions } from './options';
import { runPlantedTests } from './planted';
import { runRotationTests } from './rotation';
import { runTamperingTests } from './tampering';

export { runBindingTests } from './binding';
export { runConfidentialityTests } from './confidentiality';
export type { EncryptionTestRunner } from './harness';
export { runKeySelectionTests } from './keys';
export type { EncryptionContractOptions } from './options';
export { runPlantedTests } from './planted';
export { runRotationTests } from './rotation';
export { runTamperingTests } from './tampering';

/**
 * The published encryption suite: checks any encrypting {@link ByteStore} wrapper white-box, by reading, copying,
 * damaging and planting records in the inner store. Properties: no plaintext or key material in stored bytes,
 * randomised encryption, binding to (collection, key), every bit flip / truncation / extension detected, unknown kid
 * and wrong key as distinct typed errors, planted plaintext rejected, rotation and rewrap, and error messages free of
 * key material and plaintext. It does not depend on any wrapper package: pass factories.
 *
 * ```ts
 * runEncryptionContract({
 *   name: 'envelope over memory',
 *   createInner: () => new MemoryStore(),
 *   wrap: (inner, keys) => withEnvelopeEncryption(inner, { keyring: keys }),
 *   rewrap: (inner, keys, collections) => rewrap(inner, keys, { collections }),
 *   readKid: (raw) => inspectEnvelope(raw).kid,
 * });
 * ```
 */
export function runEncryptionContract(options: EncryptionContractOptions): void {
  runConfidentialityTests(options);
  runBindingTests(options);
  runTamperingTests(options);
  runKeySelectionTests(options);
  runPlantedTests(options);
  runRotationTests(options);
}
