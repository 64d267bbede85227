import type { Options } from 'tsup';

/**
 * The one build config every published package spreads: ESM + CJS + .d.ts/.d.cts from `src/index.ts`.
 * Backend SDKs are peers and stay external (tsup externalises dependencies and peerDependencies).
 *
 * No source maps in the published tarballs. The output is neither minified nor mangled (one readable file per format,
 * original names and structure), so a stack trace already points at code a user can read in node_modules. A map with
 * embedded sources doubled every tarball (55-68% of its bytes were the map), and a map without them points at `src/`
 * files the package does not ship, which debuggers report as missing. Tests and `tsx` run the TypeScript sources.
 */
export function libraryConfig(overrides: Options = {}): Options {
  return {
    entry: ['src/index.ts'],
    format: ['esm', 'cjs'],
    dts: true,
    sourcemap: false,
    clean: true,
    // Node 22 and 24 are the supported LTS lines (package.json `engines`).
    target: 'node22',
    platform: 'node',
    splitting: false,
    treeshake: true,
    ...overrides,
  };
}
