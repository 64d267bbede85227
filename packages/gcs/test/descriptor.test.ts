import { describe, expect, it } from '@jest/globals';
import { ConfigurationError } from '@oauth-store/core';
import { createGcsStore, descriptor, parseGcsUrl } from '../src/index';
import { endpoint, freshBucket, randomCollection } from './support';

describe('gcs:// connection strings', () => {
  it('parses the CLI grammar: bucket, prefix, endpoint (without Google auth), project, timeout', () => {
    expect(parseGcsUrl('gcs://my-bucket')).toEqual({ bucket: 'my-bucket', storageOptions: {} });
    expect(parseGcsUrl('gcs://my-bucket/tenants/acme?project=p1&timeout=3000')).toEqual({
      bucket: 'my-bucket',
      prefix: 'tenants/acme/',
      storageOptions: { projectId: 'p1' },
      timeoutMs: 3000,
    });
    expect(parseGcsUrl('gcs://b-b/x/?endpoint=http://127.0.0.1:4443').storageOptions).toEqual({
      apiEndpoint: 'http://127.0.0.1:4443',
      useAuthWithCustomEndpoint: false,
    });
  });

  it.each([
    ['gcs://', /bucket/],
    ['gcs://b-b?timeout=0', /timeout=/],
    ['s3://b-b', /gcs:\/\//],
  ])('rejects %s with a configuration error', (url, message) => {
    expect(() => parseGcsUrl(url)).toThrow(ConfigurationError);
    expect(() => parseGcsUrl(url)).toThrow(message);
  });

  it('a bucket name Cloud Storage would refuse is rejected at construction', () => {
    expect(() => createGcsStore({ url: 'gcs://Bad_Bucket' })).toThrow(ConfigurationError);
    expect(() => createGcsStore({ url: 'gcs://b-b', bucket: 'b-b' })).toThrow(ConfigurationError);
  });
});

describe('descriptor', () => {
  it('describes the adapter for the registry', () => {
    expect(descriptor).toMatchObject({ name: 'gcs', schemes: ['gcs'], testServer: 'gcs' });
    expect(descriptor.install).toContain('@google-cloud/storage');
  });

  it('opens a working store from a connection string after checking the bucket', async () => {
    const bucket = await freshBucket();
    const store = await descriptor.open(`gcs://${bucket}/app/?endpoint=${endpoint()}&project=p`, { timeoutMs: 5000 });
    try {
      const collection = randomCollection();
      expect(await store.set(collection, 'k', Buffer.from('v'), { onlyIfAbsent: true })).toBe(true);
      expect(Buffer.from((await store.take(collection, 'k')) ?? []).toString()).toBe('v');
    } finally {
      await store.close();
    }
  });

  it('rejects a missing bucket at open (ready), as a configuration error naming the bucket', async () => {
    await expect(descriptor.open(`gcs://no-such-bucket-x1/?endpoint=${endpoint()}`)).rejects.toMatchObject({
      code: 'configuration',
      message: expect.stringContaining('no-such-bucket-x1'),
    });
  });
});
