import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { CLI_VERSION } from '../version';

/** Set in the re-run's environment, so a re-run that still misses packages stops instead of fetching again. */
export const RERUN_VARIABLE = 'OAUTH_STORE_DEMO_RERUN';

/**
 * A directory of packed `@oauth-store/*` tarballs (as `pnpm pack` names them: `oauth-store-cli-0.1.0.tgz`) to use
 * instead of the npm registry, for testing a build before it is published (`pnpm test:packed` sets it).
 */
export const PACKAGES_DIR_VARIABLE = 'OAUTH_STORE_PACKAGES_DIR';

/** `@oauth-store/x` from the local tarball directory when one is set and holds it, else `name@range`. */
function spec(nameAndRange: string, packagesDir: string | undefined): string {
  const at = nameAndRange.lastIndexOf('@');
  const name = nameAndRange.slice(0, at);
  if (packagesDir && name.startsWith('@oauth-store/')) {
    const tarball = join(resolve(packagesDir), `oauth-store-${name.slice('@oauth-store/'.length)}-${CLI_VERSION}.tgz`);
    if (existsSync(tarball)) return tarball;
  }
  return nameAndRange;
}

/** The `npx` arguments that run `oauth-store demo <args>` with the CLI and the missing demo packages installed. */
export function npxArguments(missing: string[], args: string[], packagesDir?: string): string[] {
  const wanted = [`@oauth-store/cli@${CLI_VERSION}`, ...missing];
  // Unpublished tarballs depend on each other by version; npm would look those up in the registry.
  if (packagesDir) wanted.push(`@oauth-store/core@${CLI_VERSION}`, `@oauth-store/envelope@${CLI_VERSION}`);
  const packages = [...new Set(wanted.map((item) => spec(item, packagesDir)))];
  return ['--yes', ...packages.map((item) => `--package=${item}`), '--', 'oauth-store', 'demo', ...args];
}

/**
 * Runs the demo again through `npx` with its packages, which `npx` installs into its cache on first use (about
 * 92 MB: the MCP SDK, oidc-provider, Express and PostgreSQL's binaries; later runs reuse the cache). Output goes
 * straight to this process's streams; resolves to the re-run's exit code, or undefined when `npx` could not start.
 */
export function rerunWithDemoPackages(
  missing: string[],
  args: string[],
  signal: AbortSignal,
): Promise<number | undefined> {
  const argv = npxArguments(missing, args, process.env[PACKAGES_DIR_VARIABLE]);
  return new Promise((resolveCode) => {
    const child = spawn(process.platform === 'win32' ? 'npx.cmd' : 'npx', argv, {
      stdio: 'inherit',
      env: { ...process.env, [RERUN_VARIABLE]: '1' },
      shell: process.platform === 'win32',
    });
    // Ctrl-C in a terminal reaches the re-run directly (same process group); a SIGTERM sent to this process only
    // is passed on, so the re-run can stop what it started.
    const forward = () => child.kill('SIGTERM');
    signal.addEventListener('abort', forward, { once: true });
    child.once('error', () => resolveCode(undefined));
    child.once('close', (code, killedBy) => {
      signal.removeEventListener('abort', forward);
      resolveCode(code ?? (killedBy === 'SIGINT' ? 130 : 1));
    });
  });
}
