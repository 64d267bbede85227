import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from '@jest/globals';
import { DEMO_PACKAGES, missingDemoPackages } from '../src/demo/demo-packages';
import { npxArguments } from '../src/demo/fetch-demo-packages';
import { CLI_VERSION } from '../src/version';

const here = dirname(fileURLToPath(import.meta.url));
const manifest = JSON.parse(readFileSync(join(here, '..', 'package.json'), 'utf8')) as {
  version: string;
  dependencies: Record<string, string>;
  peerDependencies: Record<string, string>;
  peerDependenciesMeta: Record<string, { optional?: boolean }>;
};

/** A range as the packed manifest has it (pnpm turns `workspace:^` into `^<version>`). */
function packed(range: string): string {
  return range === 'workspace:^' ? `^${manifest.version}` : range;
}

describe("the CLI's dependencies: the demo's and each backend's packages are optional peers", () => {
  it('CLI_VERSION is the package version', () => {
    expect(CLI_VERSION).toBe(manifest.version);
  });

  it('installs only core and envelope for every command; everything else is an optional peer', () => {
    expect(Object.keys(manifest.dependencies).sort()).toEqual(['@oauth-store/core', '@oauth-store/envelope']);
    for (const name of Object.keys(manifest.peerDependencies)) {
      expect({ name, optional: manifest.peerDependenciesMeta[name]?.optional }).toEqual({ name, optional: true });
    }
  });

  it('DEMO_PACKAGES are peers with the same ranges', () => {
    for (const [name, range] of Object.entries(DEMO_PACKAGES)) {
      expect({ name, range: packed(manifest.peerDependencies[name] ?? 'absent') }).toEqual({ name, range });
    }
  });

  it('finds the demo packages from this package, and none from a directory without node_modules', () => {
    expect(missingDemoPackages(join(here, '..', 'src', 'demo'))).toEqual([]);
    const empty = mkdtempSync(join(tmpdir(), 'no-modules-'));
    try {
      expect(missingDemoPackages(empty)).toEqual(Object.entries(DEMO_PACKAGES).map(([n, r]) => `${n}@${r}`));
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });

  it('re-runs the demo through npx with the CLI of the same version and the missing packages', () => {
    expect(npxArguments(['express@^5.1.0', '@oauth-store/postgres@^0.1.0'], ['--logins', '3'])).toEqual([
      '--yes',
      `--package=@oauth-store/cli@${CLI_VERSION}`,
      '--package=express@^5.1.0',
      '--package=@oauth-store/postgres@^0.1.0',
      '--',
      'oauth-store',
      'demo',
      '--logins',
      '3',
    ]);
  });
});
