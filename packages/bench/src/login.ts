/**
 * The login target of issue 16: the demo's login p50 on the shared store within 1.3x of its login p50 on per-instance
 * memory. The bench runs the CLI's demo (`runDemo`: 3 MCP server instances in their own processes, the MCP SDK's
 * client driving complete logins, first on per-instance memory, then on the demo's embedded PostgreSQL) and compares
 * like with like: per-instance memory only works when every step of a login reaches the same instance, so its p50
 * is that of the pinned (sticky-session) logins; the shared store is judged both pinned and balanced across instances.
 *
 * It runs the built CLI (`packages/cli/dist/cli.js demo --json`), as a user's `npx oauth-store demo` does: from
 * source every instance would first compile itself through tsx, which is not what a user's login costs.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { DemoReport } from '@oauth-store/cli';
import { repositoryRoot } from './versions';

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
  const cli = join(repositoryRoot(), 'packages', 'cli', 'dist', 'cli.js');
  if (!existsSync(cli)) throw new Error(`${cli} is missing: run \`pnpm build\` before the bench's login comparison`);
  const { stdout } = await promisify(execFile)(process.execPath, [cli, 'demo', '--logins', String(logins), '--json'], {
    maxBuffer: 16 * 1024 * 1024,
    timeout: 15 * 60_000,
  });
  const report = JSON.parse(stdout) as DemoReport;
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
