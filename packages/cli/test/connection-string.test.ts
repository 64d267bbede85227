import { describe, expect, it } from '@jest/globals';
import { isShareable, openStore, parseStoreUrl, redactStoreUrl } from '../src/connection-string';

describe('parseStoreUrl: one syntax for every backend', () => {
  it.each([
    ['memory:', { backend: 'memory' }],
    ['redis://127.0.0.1:6379/2?prefix=app:', { backend: 'redis', url: 'redis://127.0.0.1:6379/2', keyPrefix: 'app:' }],
    [
      'rediss://u:p@cache.internal:6380?timeout=500',
      { backend: 'redis', url: 'rediss://u:p@cache.internal:6380', commandTimeoutMs: 500 },
    ],
    [
      'redis+cluster://10.0.0.1:7000,10.0.0.2:7001?prefix=x:',
      { backend: 'redis-cluster', clusterUrls: ['redis://10.0.0.1:7000', 'redis://10.0.0.2:7001'], keyPrefix: 'x:' },
    ],
    [
      'rediss+cluster://u:p@h1:7000,h2:7000',
      { backend: 'redis-cluster', clusterUrls: ['rediss://u:p@h1:7000', 'rediss://u:p@h2:7000'] },
    ],
    [
      'postgres://app@db:5432/auth?schema=oauth&table=store&sslmode=require',
      {
        backend: 'postgres',
        connectionString: 'postgres://app@db:5432/auth?sslmode=require',
        schema: 'oauth',
        table: 'store',
      },
    ],
    [
      'postgresql://db/auth?timeout=3000',
      { backend: 'postgres', connectionString: 'postgresql://db/auth', timeoutMs: 3000 },
    ],
    ['pglite:./data/oauth', { backend: 'pglite', dataDir: './data/oauth' }],
    ['pglite:', { backend: 'pglite' }],
    [
      'dynamodb://127.0.0.1:8000?table=oauth',
      { backend: 'dynamodb', tableName: 'oauth', endpoint: 'http://127.0.0.1:8000' },
    ],
    ['dynamodb://?table=oauth&region=eu-west-1', { backend: 'dynamodb', tableName: 'oauth', region: 'eu-west-1' }],
    [
      'dynamodb://ddb.internal:443?table=t',
      { backend: 'dynamodb', tableName: 't', endpoint: 'https://ddb.internal:443' },
    ],
    [
      'firestore://my-project?emulator=127.0.0.1:8080&root=tenants/a/oauth',
      {
        backend: 'firestore',
        projectId: 'my-project',
        emulatorHost: '127.0.0.1:8080',
        rootCollection: 'tenants/a/oauth',
      },
    ],
    [
      'gcs://my-bucket/oauth/store?endpoint=http://127.0.0.1:4443',
      { backend: 'gcs', bucket: 'my-bucket', prefix: 'oauth/store/', apiEndpoint: 'http://127.0.0.1:4443' },
    ],
    ['gcs://my-bucket', { backend: 'gcs', bucket: 'my-bucket' }],
  ])('%s', (url, expected) => {
    expect(parseStoreUrl(url)).toEqual(expected);
  });

  it.each([
    ['', /is required/],
    ['127.0.0.1:6379', /unknown store scheme|no scheme/],
    ['mongodb://x', /unknown store scheme "mongodb"/],
    ['redis://', /needs a host/],
    ['redis+cluster://h1', /host:port nodes/],
    ['dynamodb://127.0.0.1:8000', /\?table=NAME/],
    ['redis://h:1?timeout=-5', /positive integer/],
    ['gcs://', /needs the bucket/],
  ])('rejects %j with a configuration error naming the fix', (url, message) => {
    expect(() => parseStoreUrl(url)).toThrow(
      expect.objectContaining({ code: 'configuration', message: expect.stringMatching(message) }),
    );
  });

  it('knows which stores can be shared between processes', () => {
    expect(isShareable(parseStoreUrl('memory:'))).toBe(false);
    expect(isShareable(parseStoreUrl('pglite:./d'))).toBe(false);
    expect(isShareable(parseStoreUrl('redis://h:1'))).toBe(true);
  });

  it('hides passwords when showing a URL', () => {
    expect(redactStoreUrl('postgres://app:s3cret@db/x')).toBe('postgres://app:***@db/x');
    expect(redactStoreUrl('redis://:s3cret@h:6379')).toBe('redis://:***@h:6379');
    expect(redactStoreUrl('redis://h:6379')).toBe('redis://h:6379');
  });
});

describe('openStore', () => {
  it.each([
    ['redis', () => `${process.env.REDIS_URL}?prefix=open-test:`],
    [
      'postgres',
      () => `${process.env.DATABASE_URL}${process.env.DATABASE_URL?.includes('?') ? '&' : '?'}table=open_test`,
    ],
    ['memory', () => 'memory:'],
  ])('opens a working %s store', async (_name, url) => {
    const store = await openStore(url());
    try {
      expect(await store.set('c', 'k', new Uint8Array([7]), { onlyIfAbsent: true, ttlMs: 60_000 })).toBe(true);
      expect(await store.take('c', 'k')).toEqual(new Uint8Array([7]));
      expect(await store.get('c', 'k')).toBeUndefined();
    } finally {
      await store.close();
    }
  });
});
