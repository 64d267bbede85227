import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { ADAPTERS, type RegisteredAdapter } from '../src/adapter-registry';
import { isShareable, loadDescriptor, openStore, parseStoreUrl, redactStoreUrl } from '../src/connection-string';
import { useMariaDb } from './support/mysql';

const mysqlUrl = useMariaDb();

describe('the adapter registry', () => {
  it.each(ADAPTERS.map((adapter) => [adapter.name, adapter] as const))(
    '%s: the list entry says what its package descriptor says',
    async (_name, adapter) => {
      const descriptor = await loadDescriptor(adapter);
      expect({ name: adapter.name, schemes: [...adapter.schemes].sort(), install: [...adapter.install] }).toEqual({
        name: descriptor.name,
        schemes: [...descriptor.schemes].sort(),
        install: [...descriptor.install],
      });
      expect(descriptor.urlForm).toEqual(expect.any(String));
    },
  );

  it('gives every scheme to exactly one backend', () => {
    const schemes = ADAPTERS.flatMap((adapter) => adapter.schemes);
    expect(new Set(schemes).size).toBe(schemes.length);
  });

  it('names the packages to install when an adapter is missing, and one without a descriptor as too old', async () => {
    // Not under @oauth-store/: jest maps those names to the workspace sources.
    const missingPackage = 'oauth-store-adapter-not-installed-anywhere';
    const missing: RegisteredAdapter = {
      name: 'nowhere',
      packageName: missingPackage,
      schemes: ['nowhere'],
      install: [missingPackage, 'nowhere-sdk'],
      load: () => import(missingPackage),
    };
    await expect(loadDescriptor(missing)).rejects.toMatchObject({
      code: 'configuration',
      message: expect.stringContaining(`npm install ${missingPackage} nowhere-sdk`),
    });
    const old: RegisteredAdapter = { ...missing, load: async () => ({ createStore: () => undefined }) };
    await expect(loadDescriptor(old)).rejects.toMatchObject({
      code: 'configuration',
      message: expect.stringContaining('exports no descriptor'),
    });
  });
});

describe('parseStoreUrl: routes a connection string to its backend', () => {
  it.each([
    ['memory:', 'memory'],
    ['redis://127.0.0.1:6379/2?prefix=app:', 'redis'],
    ['rediss+cluster://u:p@h1:7000,h2:7000', 'redis'],
    ['postgres://app@db:5432/auth?schema=oauth', 'postgres'],
    ['POSTGRESQL://db/auth', 'postgres'],
    ['pglite:./data/oauth', 'postgres'],
    ['mysql://root@127.0.0.1:3306/test', 'mysql'],
    ['mariadb://root@127.0.0.1/test', 'mysql'],
    ['sqlite:./oauth.db', 'sqlite'],
    ['libsql://db-org.turso.io?authToken=x', 'sqlite'],
    ['dynamodb://127.0.0.1:8000?table=oauth', 'dynamodb'],
    ['firestore://my-project?emulator=127.0.0.1:8080', 'firestore'],
    ['gcs://my-bucket/oauth/', 'gcs'],
  ])('%s -> %s', (url, backend) => {
    expect(parseStoreUrl(url).backend).toBe(backend);
  });

  it.each([
    ['', /is required/],
    ['127.0.0.1:6379', /unknown store scheme|no scheme/],
    ['mongodb://x', /unknown store scheme "mongodb"/],
  ])('rejects %j with a configuration error naming the fix', (url, message) => {
    expect(() => parseStoreUrl(url)).toThrow(
      expect.objectContaining({ code: 'configuration', message: expect.stringMatching(message) }),
    );
  });

  it('lists every registered scheme when the scheme is unknown', () => {
    let message = '';
    try {
      parseStoreUrl('mongodb://x');
    } catch (error) {
      message = (error as Error).message;
    }
    for (const scheme of ADAPTERS.flatMap((adapter) => adapter.schemes)) expect(message).toContain(`${scheme}:`);
  });

  it('knows which stores can be shared between processes', () => {
    expect(isShareable(parseStoreUrl('memory:'))).toBe(false);
    expect(isShareable(parseStoreUrl('pglite:./d'))).toBe(false);
    expect(isShareable(parseStoreUrl('sqlite::memory:'))).toBe(false);
    expect(isShareable(parseStoreUrl('sqlite:./shared.db'))).toBe(true);
    expect(isShareable(parseStoreUrl('redis://h:1'))).toBe(true);
    expect(isShareable(parseStoreUrl('mysql://h/db'))).toBe(true);
  });

  it('hides passwords and tokens when showing a URL', () => {
    expect(redactStoreUrl('postgres://app:s3cret@db/x')).toBe('postgres://app:***@db/x');
    expect(redactStoreUrl('redis://:s3cret@h:6379')).toBe('redis://:***@h:6379');
    expect(redactStoreUrl('redis://h:6379')).toBe('redis://h:6379');
    expect(redactStoreUrl('libsql://db.turso.io?authToken=s3cret&table=t')).toBe(
      'libsql://db.turso.io?authToken=***&table=t',
    );
  });
});

describe('openStore: through each backend descriptor', () => {
  it.each([
    ['the adapter grammar (dynamodb without a table)', 'dynamodb://127.0.0.1:8000', /table/],
    ['the adapter grammar (mysql with an unknown parameter)', 'mysql://root@127.0.0.1:1/test?nonsense=1', /unknown/i],
    ['memory: with a path', 'memory:./x', /takes no path/],
  ])('rejects %s with a configuration error', async (_what, url, message) => {
    await expect(openStore(url)).rejects.toMatchObject({
      code: 'configuration',
      message: expect.stringMatching(message),
    });
  });

  it('never echoes a password in an error', async () => {
    const error = await openStore('dynamodb://user:hunter2@127.0.0.1:8000').catch((caught: unknown) => caught);
    expect(String((error as Error).message)).not.toContain('hunter2');
  });

  it.each([
    ['redis', () => `${process.env.REDIS_URL}?prefix=open-test:`],
    [
      'postgres',
      () => `${process.env.DATABASE_URL}${process.env.DATABASE_URL?.includes('?') ? '&' : '?'}table=open_test`,
    ],
    ['mysql', () => `${mysqlUrl()}${mysqlUrl().includes('?') ? '&' : '?'}table=open_test`],
    ['sqlite', (dir: string) => `sqlite:${join(dir, 'open.db')}`],
    ['memory', () => 'memory:'],
  ])('opens a working %s store', async (_name, url) => {
    const dir = await mkdtemp(join(tmpdir(), 'oauth-store-open-'));
    const store = await openStore(url(dir));
    try {
      expect(await store.set('c', 'k', new Uint8Array([7]), { onlyIfAbsent: true, ttlMs: 60_000 })).toBe(true);
      expect(await store.take('c', 'k')).toEqual(new Uint8Array([7]));
      expect(await store.get('c', 'k')).toBeUndefined();
    } finally {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
