import type { AttackSuiteOptions } from './options';
import { runPlantedAttacks } from './planted';
import { runReplayAttacks } from './replay';
import { runResurrectionAttacks } from './resurrection';
import { runSwapAttacks } from './swap';
import { runTamperAttacks } from './tamper';

export type { AttackSuiteOptions, AttackWrapOptions } from './options';
export { runPlantedAttacks } from './planted';
export { runReplayAttacks } from './replay';
export { runResurrectionAttacks } from './resurrection';
export { runSwapAttacks } from './swap';
export { runTamperAttacks } from './tamper';

/**
 * The published attack suite: run it against your own store and encrypting wrapper to see what someone with
 * read/write access to the backend (but no key) can do. Every attack works on the raw records through the inner
 * store, as that person would: raw-record tampering (every byte, cuts, extensions, a foreign key under the same kid),
 * swaps between keys and collections, replay of a record into another store sharing the KEK but not the namespace,
 * expiry resurrection (the backend's own expiry removed with `stripExpiry`), and planted plaintext. A wrapper passes
 * when every attack ends in a typed error (`integrity`, or `unknown_key_id` where a kid was hit) or, for expired
 * records, in `undefined` — never in data, and never with a value or key in a message.
 *
 * What it cannot check, because no envelope can detect it without state kept outside the backend: a rollback of a
 * record to an older version of itself (see the threat model in docs/encryption-format.md).
 *
 * ```ts
 * runAttackSuite({
 *   name: 'envelope over redis',
 *   createInner: () => createRedisStore({ url, keyPrefix: `attack-${randomUUID()}:` }),
 *   wrap: (inner, { keys, namespace, now }) => withEnvelopeEncryption(inner, { keyring: keys, namespace, now }),
 *   stripExpiry: (inner, collection, key) => persistInRedis(collection, key), // optional: the backend's own tool
 * });
 * ```
 */
export function runAttackSuite(options: AttackSuiteOptions): void {
  runTamperAttacks(options);
  runSwapAttacks(options);
  runReplayAttacks(options);
  runResurrectionAttacks(options);
  runPlantedAttacks(options);
}
