// PGlite at the devDependency's version (the one every other test file runs): its version check, openPGliteStore on a
// data directory, the adapter cases and the whole ByteStore contract on one PGlite instance (see pglite-suite.ts).
// pglite-lowest.test.ts and pglite-newest.test.ts run the same at both ends of the peer range.
import * as pglite from '@electric-sql/pglite';
import { pgliteSuite } from './pglite-suite';

pgliteSuite({ importName: '@electric-sql/pglite', module: pglite, end: 'devDependency' });
