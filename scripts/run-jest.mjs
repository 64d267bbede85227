// Runs jest with native ESM support. `pnpm test [jest args]` from the root runs every package;
// `pnpm test packages/redis` narrows it.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);
const jestBin = join(dirname(require.resolve('jest/package.json')), 'bin', 'jest.js');
const nodeOptions = [process.env.NODE_OPTIONS, '--experimental-vm-modules', '--no-warnings=ExperimentalWarning']
  .filter(Boolean)
  .join(' ');
// In CI only, a guard: a handle some library leaves behind (ioredis's parser timer, for one) must not keep a finished
// run alive. Servers the harness started are stopped by the global teardowns before this applies.
const ciArgs = process.env.CI ? ['--forceExit'] : [];
const result = spawnSync(process.execPath, [jestBin, ...ciArgs, ...process.argv.slice(2)], {
  stdio: 'inherit',
  env: {
    ...process.env,
    NODE_OPTIONS: nodeOptions,
    // Google's auth library otherwise probes the GCE metadata server (169.254.169.254) before a client's first call:
    // tests talk to loopback only.
    METADATA_SERVER_DETECTION: 'none',
  },
});
process.exit(result.status ?? 1);
