// PGlite at the newest release the peer range admits (the range ends at the next 0.x minor, which is a breaking
// release not yet tested), installed under the npm alias `@electric-sql/pglite-newest`: the same checks as
// pglite.test.ts (see pglite-suite.ts). `@electric-sql/pglite` is mapped to the alias for this whole file, so
// openPGliteStore's own import gets this version too. The mapping swaps one real PGlite for another; nothing is stubbed.
import { jest } from '@jest/globals';

jest.unstable_mockModule('@electric-sql/pglite', () => import('@electric-sql/pglite-newest'));

// After the mapping, so the adapter's modules see it.
const { pgliteSuite } = await import('./pglite-suite');

pgliteSuite({
  importName: '@electric-sql/pglite-newest',
  module: await import('@electric-sql/pglite-newest'),
  end: 'newest',
});
