import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigurationError } from '@oauth-store/core';

const WORKER = join('child', 'take-worker.mjs');

/**
 * Absolute path of the shipped child script (`child/take-worker.mjs` at the package root). Found by walking up
 * from this module, so it works from the ESM build (dist/index.js), the CJS build (dist/index.cjs, where tsup's
 * shim provides `import.meta.url`) and the TypeScript sources (src/process/worker-path.ts under jest or vitest).
 */
export function takeWorkerPath(): string {
  let directory = dirname(fileURLToPath(import.meta.url));
  for (let depth = 0; depth < 4; depth += 1) {
    const candidate = join(directory, WORKER);
    if (existsSync(candidate)) return candidate;
    directory = dirname(directory);
  }
  throw new ConfigurationError(
    `cannot find ${WORKER} next to the installed package; reinstall @oauth-store/contract-tests.`,
    { source: 'contract-tests' },
  );
}
