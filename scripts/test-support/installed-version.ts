import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/**
 * The version of `packageName` that `importName` (the package itself or an npm alias of it) resolves to, resolved as
 * the module at `from` (its `import.meta.url`) would: under pnpm an alias is only visible from the package that
 * declares it.
 */
export function installedVersion(importName: string, packageName: string, from: string): string {
  const require = createRequire(from);
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
