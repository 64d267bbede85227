/**
 * Default number of authorization requests. Behind a balancer that picks instances at random, the chance that K
 * requests all miss the instance that registered the client (so per-instance storage looks like a consistent
 * refusal) is ((N-1)/N)^K for N instances: with K = 30 it is 0.4 % for 6 instances, 0.02 % for 3 and 1e-9 for 2,
 * and the chance that all K hit it (so it looks healthy) is (1/N)^K, below 1e-9. A round-robin balancer is
 * recognised with any K of at least N. 30 requests take well under a second on a local network.
 */
export const DEFAULT_ATTEMPTS = 30;

/** Below this, even a round-robin balancer in front of a 6-instance fleet can hide per-instance storage. */
export const MIN_RELIABLE_ATTEMPTS = 6;

/** The largest fleet that `attempts` random requests recognise with 99 % probability. */
export function fleetRecognised(attempts: number): number {
  let instances = 1;
  while ((instances / (instances + 1)) ** attempts <= 0.01) instances += 1;
  return instances;
}
