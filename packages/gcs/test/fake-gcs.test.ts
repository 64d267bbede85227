// Tests of the wire-level GCS FAKE itself (packages/test-servers/src/fakes/gcs), driven through the real
// @google-cloud/storage SDK and, where the wire format matters, through plain HTTP. The fake is not Google's server:
// these tests pin the documented behaviour the adapter relies on.
import { createHash, randomBytes } from 'node:crypto';
import { CRC32C, type Storage } from '@google-cloud/storage';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { crc32c, type FakeGcs, startFakeGcs } from '../../test-servers/src/fakes/gcs/index';
import { newStorage } from './support';

let fake: FakeGcs;
let storage: Storage;
const BUCKET = 'fake-tests';

beforeAll(async () => {
  // Its own in-process instance, so white-box hooks (corrupt) can reach its state.
  fake = await startFakeGcs({ buckets: [BUCKET] });
  storage = newStorage(fake.endpoint);
});

afterAll(async () => {
  await fake.close();
});

const bucket = () => storage.bucket(BUCKET);
const unique = (label: string) => `${label}/${randomBytes(6).toString('hex')}`;

async function statusOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
    return 'ok';
  } catch (error) {
    return (error as { code?: unknown }).code;
  }
}

describe('GCS fake: hashes', () => {
  it('computes CRC32C per RFC 3720 (check value of "123456789")', () => {
    expect(crc32c(Buffer.from('123456789'))).toBe(0xe3069283);
  });

  it('reports md5Hash and crc32c that match the SDK own CRC32C and node MD5', async () => {
    const data = randomBytes(3000);
    const file = bucket().file(unique('hash'));
    await file.save(data, { resumable: false });
    const [meta] = await file.getMetadata();
    expect(meta.md5Hash).toBe(createHash('md5').update(data).digest('base64'));
    const sdkCrc = new CRC32C();
    sdkCrc.update(data);
    expect(meta.crc32c).toBe(sdkCrc.toString());
  });

  it('sends x-goog-hash, x-goog-generation and x-goog-stored-content-encoding on media downloads', async () => {
    const data = randomBytes(100);
    const name = unique('headers');
    await bucket().file(name).save(data, { resumable: false });
    const [meta] = await bucket().file(name).getMetadata();
    for (const path of ['/storage/v1', '/download/storage/v1']) {
      const response = await fetch(`${fake.endpoint}${path}/b/${BUCKET}/o/${encodeURIComponent(name)}?alt=media`);
      expect(response.status).toBe(200);
      expect(response.headers.get('x-goog-hash')).toBe(`crc32c=${meta.crc32c},md5=${meta.md5Hash}`);
      expect(response.headers.get('x-goog-generation')).toBe(String(meta.generation));
      expect(response.headers.get('x-goog-stored-content-encoding')).toBe('identity');
      expect(Buffer.from(await response.arrayBuffer()).equals(data)).toBe(true);
    }
  });

  it('lets the SDK detect corrupted bytes on download (the hash check really runs)', async () => {
    const file = bucket().file(unique('corrupt'));
    await file.save(Buffer.from('some bytes'), { resumable: false });
    await expect(file.download()).resolves.toEqual([Buffer.from('some bytes')]);
    fake.state.corrupt(BUCKET, file.name);
    await expect(file.download()).rejects.toMatchObject({ code: 'CONTENT_DOWNLOAD_MISMATCH' });
  });

  it('rejects a multipart upload whose declared crc32c does not match the bytes', async () => {
    const file = bucket().file(unique('declared'));
    const other = new CRC32C();
    other.update(Buffer.from('other'));
    const wrong = other.toString();
    await expect(
      file.save(Buffer.from('data'), { resumable: false, validation: false, metadata: { crc32c: wrong } }),
    ).rejects.toMatchObject({ code: 400 });
  });
});

describe('GCS fake: uploads and metadata', () => {
  it('stores metadata, customTime, generation and metageneration from a multipart upload', async () => {
    const file = bucket().file(unique('meta'));
    const customTime = '2030-01-02T03:04:05.678Z';
    await file.save(Buffer.from('v'), {
      resumable: false,
      metadata: { contentType: 'application/octet-stream', customTime, metadata: { 'expires-at': '123' } },
    });
    const [meta] = await file.getMetadata();
    expect(meta).toMatchObject({
      name: file.name,
      bucket: BUCKET,
      size: '1',
      metageneration: '1',
      customTime,
      metadata: { 'expires-at': '123' },
      contentType: 'application/octet-stream',
    });
    expect(meta.generation).toMatch(/^\d+$/);
  });

  it('gives every write a strictly greater generation', async () => {
    const generations: bigint[] = [];
    for (let i = 0; i < 5; i++) {
      const file = bucket().file(i % 2 ? unique('gen') : 'gen/same');
      await file.save(Buffer.from(String(i)), { resumable: false });
      const [meta] = await file.getMetadata();
      generations.push(BigInt(String(meta.generation)));
    }
    for (let i = 1; i < generations.length; i++) expect(generations[i]! > generations[i - 1]!).toBe(true);
  });

  it('completes a single-request resumable upload', async () => {
    const data = randomBytes(100_000);
    const file = bucket().file(unique('resumable'));
    await file.save(data, { resumable: true });
    const [downloaded] = await file.download();
    expect(downloaded.equals(data)).toBe(true);
  });

  it('completes a multi-chunk resumable upload (308 with Range between chunks)', async () => {
    const data = randomBytes(600 * 1024);
    const file = bucket().file(unique('chunked'));
    await file.save(data, { resumable: true, chunkSize: 256 * 1024 });
    const [downloaded] = await file.download();
    expect(downloaded.equals(data)).toBe(true);
  });

  it('answers 404 for a missing object on metadata, download and delete, and for a missing bucket', async () => {
    const file = bucket().file(unique('missing'));
    expect(await statusOf(file.getMetadata())).toBe(404);
    expect(await statusOf(file.download())).toBe(404);
    expect(await statusOf(file.delete())).toBe(404);
    expect(await statusOf(storage.bucket('no-such-bucket-here').file('x').getMetadata())).toBe(404);
  });

  it('rejects object names Cloud Storage forbids', async () => {
    for (const name of ['a\nb', '.', '..', '.well-known/acme-challenge/x', 'x'.repeat(1025)]) {
      expect(await statusOf(bucket().file(name).save(Buffer.from('v'), { resumable: false }))).toBe(400);
    }
  });
});

describe('GCS fake: generation preconditions', () => {
  it('insert with ifGenerationMatch=0 succeeds once, then 412 with the documented JSON error', async () => {
    const file = bucket().file(unique('insert'));
    const opts = { resumable: false, preconditionOpts: { ifGenerationMatch: 0 } };
    await file.save(Buffer.from('first'), opts);
    await expect(file.save(Buffer.from('second'), opts)).rejects.toMatchObject({
      code: 412,
      errors: [expect.objectContaining({ reason: 'conditionNotMet' })],
    });
    expect((await file.download())[0].toString()).toBe('first');
    // The raw wire format of the error, as the GCS JSON API documents it.
    const response = await fetch(
      `${fake.endpoint}/upload/storage/v1/b/${BUCKET}/o?uploadType=media&ifGenerationMatch=0&name=${encodeURIComponent(file.name)}`,
      { method: 'POST', body: 'third' },
    );
    expect(response.status).toBe(412);
    expect(await response.json()).toEqual({
      error: {
        code: 412,
        message: expect.any(String),
        errors: [expect.objectContaining({ domain: 'global', reason: 'conditionNotMet' })],
      },
    });
  });

  it('resumable insert with ifGenerationMatch=0 on an existing object fails with 412', async () => {
    const file = bucket().file(unique('resumable-pre'));
    await file.save(Buffer.from('first'), { resumable: false });
    await expect(
      file.save(randomBytes(10), { resumable: true, preconditionOpts: { ifGenerationMatch: 0 } }),
    ).rejects.toMatchObject({ response: { status: 412 } });
  });

  it('insert with ifGenerationMatch=<generation> replaces only that generation', async () => {
    const file = bucket().file(unique('cas'));
    await file.save(Buffer.from('a'), { resumable: false });
    const [meta] = await file.getMetadata();
    const generation = Number(meta.generation);
    await file.save(Buffer.from('b'), { resumable: false, preconditionOpts: { ifGenerationMatch: generation } });
    expect(
      await statusOf(
        file.save(Buffer.from('c'), { resumable: false, preconditionOpts: { ifGenerationMatch: generation } }),
      ),
    ).toBe(412);
    expect((await file.download())[0].toString()).toBe('b');
  });

  it('delete with a stale ifGenerationMatch fails with 412 and leaves the object; the right one deletes it', async () => {
    const file = bucket().file(unique('delete'));
    await file.save(Buffer.from('a'), { resumable: false });
    const [meta] = await file.getMetadata();
    expect(await statusOf(file.delete({ ifGenerationMatch: Number(meta.generation) + 1 }))).toBe(412);
    expect(await statusOf(file.getMetadata())).toBe('ok');
    expect(await statusOf(file.delete({ ifGenerationMatch: meta.generation }))).toBe('ok');
    expect(await statusOf(file.getMetadata())).toBe(404);
  });

  it('download of a generation that is no longer live answers 404', async () => {
    const file = bucket().file(unique('pinned'));
    await file.save(Buffer.from('a'), { resumable: false });
    const [meta] = await file.getMetadata();
    await file.save(Buffer.from('b'), { resumable: false });
    const old = bucket().file(file.name, { generation: Number(meta.generation) });
    expect(await statusOf(old.download())).toBe(404);
  });

  it('is linearizable: of 20 concurrent ifGenerationMatch=0 inserts from separate clients exactly one wins', async () => {
    const name = unique('race');
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        statusOf(
          newStorage(fake.endpoint)
            .bucket(BUCKET)
            .file(name)
            .save(Buffer.from(String(i)), { resumable: false, preconditionOpts: { ifGenerationMatch: 0 } }),
        ),
      ),
    );
    expect(results.filter((r) => r === 'ok')).toHaveLength(1);
    expect(results.filter((r) => r === 412)).toHaveLength(19);
  });

  it('of 20 concurrent conditional deletes of one generation exactly one wins', async () => {
    const file = bucket().file(unique('delete-race'));
    await file.save(Buffer.from('a'), { resumable: false });
    const [meta] = await file.getMetadata();
    const results = await Promise.all(
      Array.from({ length: 20 }, () =>
        statusOf(
          newStorage(fake.endpoint).bucket(BUCKET).file(file.name).delete({ ifGenerationMatch: meta.generation }),
        ),
      ),
    );
    expect(results.filter((r) => r === 'ok')).toHaveLength(1);
    expect(results.every((r) => r === 'ok' || r === 404 || r === 412)).toBe(true);
  });
});

describe('GCS fake: list', () => {
  it('pages with maxResults and pageToken, in name order, each name exactly once', async () => {
    const prefix = unique('list');
    const names = Array.from({ length: 25 }, (_, i) => `${prefix}/${String(i).padStart(2, '0')}`);
    await Promise.all(names.map((name) => bucket().file(name).save(Buffer.from('v'), { resumable: false })));
    await bucket().file(`${prefix}-other`).save(Buffer.from('v'), { resumable: false });
    const seen: string[] = [];
    let pageToken: string | undefined;
    let pages = 0;
    do {
      const [files, next] = await bucket().getFiles({
        prefix: `${prefix}/`,
        maxResults: 10,
        autoPaginate: false,
        ...(pageToken ? { pageToken } : {}),
      });
      pages++;
      expect(files.length).toBeLessThanOrEqual(10);
      for (const file of files) {
        seen.push(file.name);
        expect(file.metadata.generation).toMatch(/^\d+$/);
      }
      pageToken = (next as { pageToken?: string } | null)?.pageToken;
    } while (pageToken);
    expect(pages).toBe(3);
    expect(seen).toEqual(names);
  });

  it('keeps its place when objects are added and deleted between pages', async () => {
    const prefix = unique('keyset');
    await Promise.all(
      ['b', 'd', 'f'].map((n) => bucket().file(`${prefix}/${n}`).save(Buffer.from('v'), { resumable: false })),
    );
    const [first, next] = await bucket().getFiles({ prefix: `${prefix}/`, maxResults: 2, autoPaginate: false });
    expect(first.map((f) => f.name)).toEqual([`${prefix}/b`, `${prefix}/d`]);
    await bucket().file(`${prefix}/a`).save(Buffer.from('v'), { resumable: false });
    await bucket().file(`${prefix}/e`).save(Buffer.from('v'), { resumable: false });
    await bucket().file(`${prefix}/b`).delete();
    const [second] = await bucket().getFiles({ ...(next as object), autoPaginate: false });
    expect(second.map((f) => f.name)).toEqual([`${prefix}/e`, `${prefix}/f`]);
  });

  it('groups names below the delimiter into prefixes', async () => {
    const prefix = unique('delim');
    for (const n of ['x', 'sub/y', 'sub/z']) {
      await bucket().file(`${prefix}/${n}`).save(Buffer.from('v'), { resumable: false });
    }
    const [files, , response] = await bucket().getFiles({ prefix: `${prefix}/`, delimiter: '/', autoPaginate: false });
    expect(files.map((f) => f.name)).toEqual([`${prefix}/x`]);
    expect((response as { prefixes?: string[] }).prefixes).toEqual([`${prefix}/sub/`]);
  });
});
