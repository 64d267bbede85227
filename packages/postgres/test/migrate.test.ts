import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import { fromPgPool, PostgresStore } from '../src/index';
import { databaseUrl, uniqueName } from './helpers';

const here = dirname(fileURLToPath(import.meta.url));
const CONNECTIONS = 8;
let clients: pg.Client[];
let admin: pg.Pool;
const schemas: string[] = [];

beforeAll(async () => {
  admin = new pg.Pool({ connectionString: databaseUrl(), max: 2 });
  clients = await Promise.all(
    Array.from({ length: CONNECTIONS }, async () => {
      const client = new pg.Client(databaseUrl());
      await client.connect();
      return client;
    }),
  );
});

afterAll(async () => {
  for (const schema of schemas) await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await Promise.all(clients.map((client) => client.end()));
  await admin.end();
});

/** A SqlClient on one dedicated connection, so each store below really runs on its own backend process. */
function onConnection(client: pg.Client) {
  return fromPgPool({
    query: (config) => client.query(config),
    on: () => undefined,
    end: async () => {},
  });
}

async function tableCount(schema: string, table: string): Promise<number> {
  const { rows } = await admin.query(
    'SELECT count(*)::int AS n FROM pg_catalog.pg_tables WHERE schemaname = $1 AND tablename = $2',
    [schema, table],
  );
  return rows[0].n;
}

describe('migrate() under concurrency', () => {
  it('control: plain CREATE TABLE IF NOT EXISTS from several connections at once does collide', async () => {
    // Shows the race migrate() must survive is real on this server, so the tests below can fail.
    const schema = uniqueName('naive');
    schemas.push(schema);
    await admin.query(`CREATE SCHEMA "${schema}"`);
    let collisions = 0;
    for (let round = 0; round < 30 && collisions === 0; round++) {
      const results = await Promise.allSettled(
        clients.map((client) =>
          client.query(
            `CREATE TABLE IF NOT EXISTS "${schema}".t${round} (collection bytea, key bytea, PRIMARY KEY (collection, key))`,
          ),
        ),
      );
      collisions += results.filter((result) => result.status === 'rejected').length;
    }
    expect(collisions).toBeGreaterThan(0);
  });

  it(`succeeds everywhere when ${CONNECTIONS} connections migrate a new schema and table at once (10 rounds)`, async () => {
    for (let round = 0; round < 10; round++) {
      const schema = uniqueName('mig');
      schemas.push(schema);
      const stores = clients.map(
        (client) => new PostgresStore({ client: onConnection(client), schema, table: 'store' }),
      );
      const results = await Promise.allSettled(stores.map((store) => store.migrate()));
      expect(results.filter((result) => result.status === 'rejected')).toEqual([]);
      expect(await tableCount(schema, 'store')).toBe(1);
      // The table is usable and migrating again is a no-op.
      expect(await stores[0]?.set('c', 'k', new Uint8Array([1]))).toBe(true);
      await stores[1]?.migrate();
      expect(await stores[1]?.get('c', 'k')).toEqual(new Uint8Array([1]));
    }
  });

  it('succeeds when 4 processes migrate the same new table at once', async () => {
    const schema = uniqueName('proc');
    schemas.push(schema);
    const children = Array.from({ length: 4 }, () =>
      spawn(
        process.execPath,
        ['--import', 'tsx', join(here, 'fixtures', 'migrate-child.ts'), databaseUrl(), schema, 'store'],
        {
          cwd: join(here, '..'),
          stdio: ['pipe', 'pipe', 'inherit'],
        },
      ),
    );
    const outputs = children.map(() => '');
    const seen = (line: string) =>
      Promise.all(
        children.map(
          (child, i) =>
            new Promise<void>((resolve, reject) => {
              const check = () => {
                if (outputs[i]?.includes(line) || (line === 'migrated' && outputs[i]?.includes('failed'))) resolve();
              };
              child.stdout.on('data', (chunk: Buffer) => {
                outputs[i] += chunk.toString();
                check();
              });
              // 'close', not 'exit': 'exit' can come before the last stdout chunk is read.
              child.once('close', (code) => {
                check();
                reject(new Error(`child exited (${code}) before printing "${line}": ${outputs[i]}`));
              });
              check();
            }),
        ),
      );
    try {
      await seen('ready');
      for (const child of children) child.stdin.write('go\n');
      await seen('migrated');
    } finally {
      for (const child of children) if (child.exitCode === null) child.kill();
    }
    expect(outputs.map((output) => output.trim().split('\n').at(-1))).toEqual(Array(4).fill('migrated'));
    expect(await tableCount(schema, 'store')).toBe(1);
  }, 60_000);
});
