// Small process helpers for test:packed: run a command to completion with a timeout, capturing its output.
import { spawn } from 'node:child_process';

/**
 * Runs `command args` and resolves to `{ code, stdout, stderr, ms }`; never rejects (a command that cannot start
 * resolves with code -1 and the reason in stderr). Killed with SIGKILL after `timeoutMs`.
 */
export function run(command, args, { cwd, env, timeoutMs = 300_000, uid, gid, input } = {}) {
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(command, args, {
      cwd,
      env: env ?? process.env,
      stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
      ...(uid === undefined ? {} : { uid, gid }),
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk) => {
      stderr += chunk;
    });
    if (input !== undefined) child.stdin.end(input);
    const timer = setTimeout(() => {
      stderr += `\n[test:packed] killed after ${timeoutMs} ms`;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      resolve({ code: -1, stdout, stderr: `${stderr}${error.message}`, ms: Date.now() - started });
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? (signal ? 128 : -1), stdout, stderr, ms: Date.now() - started });
    });
  });
}

/** The last `lines` non-empty lines of a command's output, for failure messages. */
export function tail(result, lines = 12) {
  return `${result.stdout}\n${result.stderr}`
    .split('\n')
    .filter((line) => line.trim())
    .slice(-lines)
    .map((line) => `      ${line}`)
    .join('\n');
}

/** Runs `tasks` (functions returning promises) with at most `limit` in flight; resolves to their results in order. */
export async function pool(limit, tasks) {
  const results = new Array(tasks.length);
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) {
      const index = next++;
      results[index] = await tasks[index]();
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
  return results;
}
