import { describe, expect, it } from '@jest/globals';
import { ConfigurationError } from '@oauth-store/core';
import { createFirestoreStore, descriptor, parseFirestoreUrl } from '../src/index';
import { emulatorHost, freshRoot } from './helpers';

describe('firestore:// connection strings', () => {
  it('parses the CLI grammar: project, database, root, emulator (host without TLS), timeout', () => {
    expect(parseFirestoreUrl('firestore://my-project')).toEqual({ settings: { projectId: 'my-project' } });
    expect(
      parseFirestoreUrl(
        'firestore://p1?database=oauth&root=tenants/acme/oauth_store&emulator=127.0.0.1:8080&timeout=900',
      ),
    ).toEqual({
      settings: { projectId: 'p1', databaseId: 'oauth', host: '127.0.0.1:8080', ssl: false },
      rootCollection: 'tenants/acme/oauth_store',
      timeoutMs: 900,
    });
  });

  it.each([
    ['firestore://', /project id/],
    ['firestore://p?emulator=no-port', /emulator=/],
    ['firestore://p?timeout=x', /timeout=/],
    ['gcs://p', /firestore:\/\//],
  ])('rejects %s with a configuration error', (url, message) => {
    expect(() => parseFirestoreUrl(url)).toThrow(ConfigurationError);
    expect(() => parseFirestoreUrl(url)).toThrow(message);
  });

  it('createFirestoreStore({ url }) checks the root collection path', () => {
    expect(() => createFirestoreStore({ url: 'firestore://p?root=a/b' })).toThrow(ConfigurationError);
  });
});

describe('descriptor', () => {
  it('describes the adapter for the registry', () => {
    expect(descriptor).toMatchObject({ name: 'firestore', schemes: ['firestore'], testServer: 'firestore' });
    expect(descriptor.install).toContain('@google-cloud/firestore');
  });

  it('opens a working store from a connection string after a first read', async () => {
    const root = freshRoot();
    const store = await descriptor.open(`firestore://oauth-store-test?root=${root}&emulator=${emulatorHost()}`, {
      timeoutMs: 10_000,
    });
    try {
      expect(await store.set('c', 'k', Buffer.from('v'), { onlyIfAbsent: true })).toBe(true);
      expect(Buffer.from((await store.take('c', 'k')) ?? []).toString()).toBe('v');
    } finally {
      await store.close();
    }
  }, 20_000);
});
