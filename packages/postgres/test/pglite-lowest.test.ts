// PGlite at the floor of the peer range, installed under the npm alias `@electric-sql/pglite-lowest`: the same
// checks as pglite.test.ts (see pglite-suite.ts). `@electric-sql/pglite` is mapped to the alias for this whole file, so
// openPGliteStore's own import gets this version too. The mapping swaps one real PGlite for another; nothing is stubbed.
import { jest } from '@jest/globals';

jest.unstable_mockModule('@electric-sql/pglite', () => import('@electric-sql/pglite-lowest'));

// After the mapping, so the adapter's modules see it.
const { pgliteSuite } = await import('./pglite-suite');

pgliteSuite({
  importName: '@electric-sql/pglite-lowest',
  module: await import('@electric-sql/pglite-lowest'),
  end: 'lowest',
});
