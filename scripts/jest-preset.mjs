// Shared jest settings for every package: native ESM (jest runs under --experimental-vm-modules, see
// scripts/run-jest.mjs) so ESM-only dependencies such as oidc-provider and fastmcp load as they do in production;
// TypeScript is stripped by swc; workspace packages resolve to their sources so tests need no build.
import { existsSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = dirname(dirname(fileURLToPath(import.meta.url)));

/** Jest project config for the package whose jest.config.mjs passes its own `import.meta.url`. */
export function jestProject(configUrl, overrides = {}) {
  const rootDir = dirname(fileURLToPath(configUrl));
  const setup = join(rootDir, 'test', 'global-setup.ts');
  const teardown = join(rootDir, 'test', 'global-teardown.ts');
  return {
    displayName: basename(rootDir),
    rootDir,
    testEnvironment: 'node',
    extensionsToTreatAsEsm: ['.ts'],
    transform: {
      '^.+\\.ts$': [
        '@swc/jest',
        {
          jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
          module: { type: 'es6' },
          sourceMaps: 'inline',
        },
      ],
    },
    moduleNameMapper: {
      '^@oauth-store/([a-z0-9-]+)$': `${repoRoot}/packages/$1/src/index.ts`,
      '^@oauth-store/([a-z0-9-]+)/(.+)$': `${repoRoot}/packages/$1/src/$2`,
    },
    testMatch: ['<rootDir>/test/**/*.test.ts'],
    testTimeout: 30_000,
    ...(existsSync(setup) ? { globalSetup: setup } : {}),
    ...(existsSync(teardown) ? { globalTeardown: teardown } : {}),
    ...overrides,
  };
}
