import { defineConfig } from 'tsup';
import { libraryConfig } from '../../scripts/tsup.base';

// `pnpm build` empties dist/ first: the two configs below build in parallel, so neither may clean.
export default defineConfig([
  // shims: import.meta.url (used to find the demo's instance entry) also works in the CommonJS build.
  libraryConfig({ clean: false, shims: true }),
  // The executable and the demo's instance process: ESM only (top-level await), never imported. tsup keeps
  // cli.ts's shebang and marks the file executable.
  libraryConfig({
    entry: { cli: 'src/cli.ts', 'demo-instance': 'src/demo/instance-main.ts' },
    format: ['esm'],
    dts: false,
    clean: false,
  }),
]);
