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
