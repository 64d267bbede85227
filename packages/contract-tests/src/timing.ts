// Waiting for TTL deadlines. The suite polls the clock instead of sleeping a fixed time, so it never waits longer
// than the deadline plus one short poll interval, whatever the timer granularity of the platform.
import { setTimeout as sleep } from 'node:timers/promises';

/** Milliseconds on a monotonic clock (immune to wall-clock jumps). */
export function now(): number {
  return performance.now();
}

/** Resolves once the monotonic clock has passed `deadline`. */
export async function waitUntil(deadline: number): Promise<void> {
  for (let remaining = deadline - now(); remaining >= 0; remaining = deadline - now()) {
    await sleep(Math.min(20, Math.max(1, Math.ceil(remaining))));
  }
}
