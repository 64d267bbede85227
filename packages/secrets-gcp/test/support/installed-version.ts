import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);

/** The version of `packageName` that `importName` (the package itself or an npm alias of it) resolves to. */
export function installedVersion(importName: string, packageName: string): string {
  for (let dir = dirname(require.resolve(importName)); dir !== dirname(dir); dir = dirname(dir)) {
    try {
      const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
        name?: string;
        version: string;
      };
      if (manifest.name === packageName) return manifest.version;
    } catch {
      // No package.json at this level (a build directory): keep walking up.
    }
  }
  throw new Error(`no package.json of ${packageName} above ${importName}`);
}
