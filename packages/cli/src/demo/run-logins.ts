import { type LoginResult, runLogin } from './login';

/** Progress of a batch of logins. */
export interface LoginProgress {
  done: number;
  failed: number;
  total: number;
  last: LoginResult;
}

/** Runs `count` logins against `mcpUrl`, at most `concurrency` at a time; stops starting new ones once aborted. */
export async function runLogins(
  mcpUrl: string,
  count: number,
  concurrency: number,
  onProgress?: (progress: LoginProgress) => void,
  signal?: AbortSignal,
): Promise<LoginResult[]> {
  const results: LoginResult[] = [];
  let started = 0;
  let failed = 0;
  const worker = async () => {
    while (started < count && !signal?.aborted) {
      started += 1;
      const result = await runLogin(mcpUrl);
      results.push(result);
      if (!result.ok) failed += 1;
      onProgress?.({ done: results.length, failed, total: count, last: result });
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, count)) }, worker));
  signal?.throwIfAborted();
  return results;
}
