import { type LoginOptions, type LoginResult, runLogin } from './login';

/** Progress of a batch of logins. */
export interface LoginProgress {
  done: number;
  failed: number;
  total: number;
  last: LoginResult;
}

/**
 * Runs `count` logins against `mcpUrl`, at most `concurrency` at a time; stops starting new ones once aborted. Login
 * `i` (from 0) runs with `optionsFor(i)`, so client types can alternate.
 */
export async function runLogins(
  mcpUrl: string,
  count: number,
  concurrency: number,
  onProgress?: (progress: LoginProgress) => void,
  signal?: AbortSignal,
  optionsFor: (index: number) => LoginOptions = () => ({}),
): Promise<LoginResult[]> {
  const results: LoginResult[] = [];
  let started = 0;
  let failed = 0;
  const worker = async () => {
    while (started < count && !signal?.aborted) {
      const index = started;
      started += 1;
      const result = await runLogin(mcpUrl, optionsFor(index));
      results.push(result);
      if (!result.ok) failed += 1;
      onProgress?.({ done: results.length, failed, total: count, last: result });
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, count)) }, worker));
  signal?.throwIfAborted();
  return results;
}
