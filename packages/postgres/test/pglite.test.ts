// Everything on PGlite (PostgreSQL compiled to WASM, in this process), in one file so the slow WASM start-up
// happens once: the targeted adapter cases and the whole ByteStore contract. Every store shares the one PGlite
// instance, so they see the same data. There is no processFactory: PGlite is one connection inside one process and
// cannot be shared between processes, so the cross-process take test does not apply to it (that test runs against
// a real server in contract.test.ts).

import { PGlite } from '@electric-sql/pglite';
import { afterAll, beforeAll } from '@jest/globals';
import { runStoreContract } from '@oauth-store/contract-tests';
import { fromPGlite, PostgresStore } from '../src/index';
import { adapterCases } from './adapter-cases';
import { uniqueName } from './helpers';

let lite: Promise<PGlite> | undefined;
const shared = () => {
  lite ??= PGlite.create().then(async (db) => {
    await new PostgresStore({ client: fromPGlite(db) }).migrate();
    return db;
  });
  return lite;
};
let db: PGlite;

beforeAll(async () => {
  db = await shared();
}, 60_000);

afterAll(async () => {
  await (await lite)?.close();
});

adapterCases({
  name: 'PGlite',
  table: uniqueName('adapter'),
  client: () => fromPGlite(db),
  raw: async (text, params) => (await db.query<Record<string, unknown>>(text, params)).rows,
});

runStoreContract({
  name: 'postgres (PGlite)',
  create: async () => new PostgresStore({ client: fromPGlite(await shared()) }),
  // PGlite runs one statement at a time on its one connection, so race rounds beyond a few add time, not coverage
  // (the races are exercised for real on the server in contract.test.ts).
  takeRounds: 15,
  rawReader: async (collection, key) => {
    const { rows } = await (await shared()).query<{ value: Uint8Array }>(
      'SELECT value FROM oauth_store WHERE collection = $1 AND key = $2',
      [Buffer.from(collection), Buffer.from(key)],
    );
    return rows[0]?.value;
  },
});
