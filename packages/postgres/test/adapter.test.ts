import { afterAll, beforeAll } from '@jest/globals';
import type pg from 'pg';
import { fromPgPool } from '../src/index';
import { adapterCases } from './adapter-cases';
import { dropTable, newPool, uniqueName } from './helpers';

let pool: pg.Pool;
const table = uniqueName('adapter');

beforeAll(() => {
  pool = newPool(25);
});

afterAll(async () => {
  await dropTable(pool, 'public', table);
  await pool.end();
});

adapterCases({
  name: 'a pg Pool',
  table,
  client: () => fromPgPool(pool),
  raw: async (text, params) => (await pool.query(text, params)).rows,
});
