import type { Options } from 'tsup';

/**
 * The one build config every published package spreads: ESM + CJS + .d.ts/.d.cts from `src/index.ts`.
 * Backend SDKs are peers and stay external (tsup externalises dependencies and peerDependencies).
 */
export function libraryConfig(overrides: Options = {}): Options {
  return {
    entry: ['src/index.ts'],
    format: ['esm', 'cjs'],
    dts: true,
    sourcemap: true,
    clean: true,
    target: 'node20',
    platform: 'node',
    splitting: false,
    treeshake: true,
    ...overrides,
  };
}
