/**
 * The login target of issue 16: the demo's login p50 on the shared store within 1.3x of its login p50 on per-instance
 * memory. The bench runs the CLI's demo (`runDemo`: 3 MCP server instances in their own processes, the MCP SDK's
 * client driving complete logins, first on per-instance memory, then on the demo's embedded PostgreSQL) and compares
 * like with like: per-instance memory only works when every step of a login reaches the same instance, so its p50
 * is that of the pinned (sticky-session) logins; the shared store is judged both pinned and balanced across instances.
 */
import { runDemo } from '@oauth-store/cli';

/** What the login comparison measured. */
export interface LoginResult {
  readonly logins: number;
  /** p50 of pinned logins on per-instance memory, ms. */
  readonly memoryPinnedP50Ms: number;
  /** p50 of pinned logins on the shared store, ms. */
  readonly sharedPinnedP50Ms: number;
  /** p50 of balanced logins (each request to any instance) on the shared store, ms. */
  readonly sharedBalancedP50Ms: number;
  /** Balanced logins that succeeded on the shared store, of `logins`. */
  readonly sharedSucceeded: number;
  /** Store round trips per pinned login on the shared store. */
  readonly roundTripsPerLogin: number;
  /** Time spent waiting for those round trips per pinned login, ms (summed over the login's calls). */
  readonly storeMsPerLogin: number;
  /** What the shared store was. */
  readonly store: string;
}

/** Runs the demo with `logins` logins per run and reads the comparison off its report. */
export async function measureLogins(logins: number): Promise<LoginResult> {
  const report = await runDemo({ logins, stickyLogins: Math.min(logins, 30) });
  const [memory, shared] = report.runs;
  if (!memory.sticky || !shared.sticky) throw new Error('the demo report has no pinned-login figures');
  return {
    logins,
    memoryPinnedP50Ms: memory.sticky.p50Ms,
    sharedPinnedP50Ms: shared.sticky.p50Ms,
    sharedBalancedP50Ms: shared.p50Ms,
    sharedSucceeded: shared.succeeded,
    roundTripsPerLogin: shared.sticky.storeRoundTripsPerLogin,
    storeMsPerLogin: shared.sticky.storeMsPerLogin,
    store: shared.store,
  };
}
