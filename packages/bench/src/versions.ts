/** Versions of the packages in the report, read from their package.json files (no network, no child processes). */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

function readManifest(path: string): { name?: string; version?: string } | undefined {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as { name?: string; version?: string };
  } catch {
    return undefined;
  }
}

/**
 * The installed version of an npm dependency of this package: resolves its entry point the way an import would, then
 * walks up to the package.json carrying its name (which works whatever the package's `exports` allow).
 */
export function packageVersion(name: string): string {
  let directory: string;
  try {
    directory = dirname(fileURLToPath(import.meta.resolve(name)));
  } catch {
    return 'not installed';
  }
  for (let depth = 0; depth < 8; depth++) {
    const manifest = readManifest(join(directory, 'package.json'));
    if (manifest?.name === name && manifest.version) return manifest.version;
    const parent = dirname(directory);
    if (parent === directory) break;
    directory = parent;
  }
  return 'unknown';
}

/** The version of a workspace package (`@oauth-store/<folder>`), from its package.json in this repository. */
export function workspaceVersion(folder: string): string {
  return readManifest(join(repoRoot, 'packages', folder, 'package.json'))?.version ?? 'unknown';
}

/** `name@version` pairs for the report. */
export function versionsOf(npm: readonly string[], workspace: readonly string[] = []): Record<string, string> {
  const versions: Record<string, string> = {};
  for (const folder of workspace) versions[`@oauth-store/${folder}`] = workspaceVersion(folder);
  for (const name of npm) versions[name] = packageVersion(name);
  return versions;
}

/** The repository root, where docs/benchmarks.md lives. */
export function repositoryRoot(): string {
  return repoRoot;
}
