import { describe, expect, it } from '@jest/globals';
import type { DemoReport } from '../src/demo/run-demo';
import { descendants, finished, isAlive, runCli, spawnCli, until } from './support/cli-process';

function parseReport(stdout: string): DemoReport {
  return JSON.parse(stdout) as DemoReport;
}

describe('oauth-store demo (the CLI from source, as `pnpm demo` runs it)', () => {
  it('breaks logins with per-instance memory and none with a shared PostgreSQL, and leaves no process behind', async () => {
    const result = await runCli([
      'demo',
      '--instances',
      '2',
      '--logins',
      '6',
      '--concurrency',
      '3',
      '--store',
      process.env.DATABASE_URL as string,
      '--json',
    ]);
    expect(result.stderr).not.toContain('oauth-store:');
    expect(result.code).toBe(0);
    const report = parseReport(result.stdout);
    const [memory, shared] = report.runs;
    expect(memory.logins).toBe(6);
    expect(memory.failed).toBeGreaterThan(0);
    expect(Object.keys(memory.failuresByCause).join('\n')).toMatch(
      /invalid_client|Unknown or expired transaction|invalid_token|invalid_grant/,
    );
    expect(shared.logins).toBe(6);
    expect(shared.failed).toBe(0);
    expect(shared.succeeded).toBe(6);
    // The 2026 flow: logins alternate a DCR client and a CIMD client; neither fails on the shared store.
    expect(shared.clients).toEqual({
      dcr: { logins: 3, succeeded: 3, failed: 0 },
      cimd: { logins: 3, succeeded: 3, failed: 0 },
    });
    expect(memory.clients.dcr?.logins).toBe(3);
    expect(memory.clients.cimd?.logins).toBe(3);
    // One metadata document: fetched once by the fleet on the shared store, at most once per instance on memory.
    expect(shared.documentFetches).toBe(1);
    expect(memory.documentFetches).toBeGreaterThanOrEqual(1);
    expect(memory.documentFetches).toBeLessThanOrEqual(2);
    // Signing keys: per instance in run 1 (a token verifies only where it was signed), one keyring in run 2.
    expect(memory.tokenProbe).toEqual({
      accessTokenAcceptedBy: 1,
      reuseDetected: true,
      familyRevokedOn: 1,
      instances: 2,
    });
    // A replayed refresh token revokes its family on every instance of the shared store.
    expect(shared.tokenProbe).toEqual({
      accessTokenAcceptedBy: 2,
      reuseDetected: true,
      familyRevokedOn: 2,
      instances: 2,
    });
    // Sticky sessions succeed on both stores, with the same store calls per login (memory counts them too).
    expect(memory.sticky).toMatchObject({ logins: 6, succeeded: 6 });
    expect(shared.sticky).toMatchObject({ logins: 6, succeeded: 6 });
    expect(shared.sticky?.storeRoundTripsPerLogin).toBeGreaterThan(5);
    expect(shared.sticky?.storeRoundTripsPerLogin).toBeLessThan(25);
    expect(shared.storeRoundTrips?.take).toBeGreaterThan(0);
    // Both runs' instances (2 + 2 processes), all gone once the CLI has exited.
    expect(report.pids).toHaveLength(4);
    expect(report.pids.filter(isAlive)).toEqual([]);
  }, 90_000);

  it('stops every child process (instances, embedded PostgreSQL) when interrupted with SIGINT during start-up', async () => {
    // The default store: an embedded PostgreSQL, starting while the instances start.
    const child = spawnCli(['demo', '--instances', '2', '--logins', '100000', '--concurrency', '2']);
    const done = finished(child);
    // Interrupt while things are still starting: the hardest moment to leave nothing behind.
    let started: number[] = [];
    await until(
      () => {
        const running = descendants(child.pid as number);
        started = running.map((process) => process.pid);
        const instances = running.filter((process) => process.command.includes('instance-main')).length;
        return instances >= 2 && running.some((process) => /postgres|initdb/.test(process.command));
      },
      60_000,
      'the instances and PostgreSQL to be started',
    );
    child.kill('SIGINT');
    const result = await done;
    expect(result.code).toBe(130);
    expect(result.stderr).toContain('interrupted; everything it started has been stopped');
    await until(() => started.every((pid) => !isAlive(pid)), 10_000, 'every child process to exit');
  }, 90_000);
});
