import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const packageDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Runs the CLI from source through tsx, as the root `pnpm demo` script does. */
export function spawnCli(args: string[], env: NodeJS.ProcessEnv = {}): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', join(packageDir, 'src', 'cli.ts'), ...args], {
    cwd: packageDir,
    env: { ...process.env, TSX_TSCONFIG_PATH: join(packageDir, 'tsconfig.json'), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** Output and exit code of a finished CLI process. */
export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Collects a CLI process's output until it exits. */
export function finished(child: ChildProcess): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString('utf8');
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, stdout, stderr })));
}

/** Runs the CLI to completion. */
export function runCli(args: string[], env?: NodeJS.ProcessEnv): Promise<CliResult> {
  return finished(spawnCli(args, env));
}

/** True while a process with this id exists. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as { code?: string }).code === 'EPERM';
  }
}

/** A running process. */
export interface ProcessInfo {
  pid: number;
  command: string;
}

/** Every descendant process of `pid` (children, grandchildren, ...), from `ps`. */
export function descendants(pid: number): ProcessInfo[] {
  const table = execFileSync('ps', ['-e', '-o', 'pid=,ppid=,args='], { encoding: 'utf8' })
    .trim()
    .split('\n')
    .map((line) => {
      const [, child = '0', parent = '0', command = ''] = /^\s*(\d+)\s+(\d+)\s+(.*)$/.exec(line) ?? [];
      return { pid: Number(child), ppid: Number(parent), command };
    });
  const found: ProcessInfo[] = [];
  const walk = (parent: number) => {
    for (const row of table) {
      if (row.ppid === parent) {
        found.push({ pid: row.pid, command: row.command });
        walk(row.pid);
      }
    }
  };
  walk(pid);
  return found;
}

/** Waits until `condition` holds, polling, or fails after `timeoutMs`. */
export async function until(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
