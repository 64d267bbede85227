import { defineConfig } from 'tsup';
import { libraryConfig } from '../../scripts/tsup.base';

// shims: the CJS build needs `import.meta.url` (it locates child/take-worker.mjs, which ships as plain JavaScript
// next to dist/ and needs no build of its own).
export default defineConfig(libraryConfig({ shims: true }));
