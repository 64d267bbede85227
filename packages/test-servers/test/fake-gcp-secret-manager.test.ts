import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type FakeSecretManager, loadSecretManagerService, startFakeSecretManager } from '../src/fakes';

// Checks the Secret Manager FAKE with a raw gRPC client built from the SDK's protos (no SDK logic in between).

let fake: FakeSecretManager;
let raw: grpc.Client;

/** The response fields these tests read (proto-loader objects, camelCase). */
interface Wire {
  name: string;
  state: string;
  payload: { data: Buffer };
  versions: { name: string; state: string }[];
  nextPageToken: string;
}

type Unary = (request: object, callback: (error: grpc.ServiceError | null, response?: Wire) => void) => void;

function call(method: string, request: object): Promise<Wire> {
  return new Promise((resolve, reject) => {
    (raw as unknown as Record<string, Unary>)[method]!.call(raw, request, (error, response) =>
      error ? reject(error) : resolve(response!),
    );
  });
}

async function failure(method: string, request: object): Promise<grpc.ServiceError> {
  const error = await call(method, request).then(
    () => undefined,
    (e: grpc.ServiceError) => e,
  );
  expect(error).toBeDefined();
  return error!;
}

beforeAll(async () => {
  fake = await startFakeSecretManager({ projects: { demo: '42' } });
  const Client = grpc.makeGenericClientConstructor(loadSecretManagerService(), 'SecretManagerService');
  raw = new Client(`${fake.host}:${fake.port}`, grpc.credentials.createInsecure());
});
afterAll(async () => {
  raw?.close();
  await fake?.close();
});

describe('Secret Manager fake', () => {
  it('AccessSecretVersion resolves latest and returns the name with the project number', async () => {
    expect(fake.addSecretVersion('projects/demo/secrets/a', 'one')).toBe('projects/42/secrets/a/versions/1');
    fake.addSecretVersion('projects/demo/secrets/a', 'two');
    const latest = await call('accessSecretVersion', { name: 'projects/demo/secrets/a/versions/latest' });
    expect(latest.name).toBe('projects/42/secrets/a/versions/2');
    expect(Buffer.from(latest.payload.data).toString()).toBe('two');
    const first = await call('accessSecretVersion', { name: 'projects/42/secrets/a/versions/1' });
    expect(Buffer.from(first.payload.data).toString()).toBe('one');
  });

  it('ListSecretVersions lists newest first, filters by state and pages', async () => {
    for (let i = 0; i < 3; i++) fake.addSecretVersion('projects/demo/secrets/b', `v${i}`);
    fake.setVersionState('projects/demo/secrets/b/versions/2', 'DISABLED');
    const all = await call('listSecretVersions', { parent: 'projects/demo/secrets/b' });
    expect(all.versions.map((v) => [v.name.split('/').at(-1), v.state])).toEqual([
      ['3', 'ENABLED'],
      ['2', 'DISABLED'],
      ['1', 'ENABLED'],
    ]);
    const page1 = await call('listSecretVersions', {
      parent: 'projects/demo/secrets/b',
      filter: 'state:ENABLED',
      pageSize: 1,
    });
    expect(page1.versions.map((v) => v.name)).toEqual(['projects/42/secrets/b/versions/3']);
    const page2 = await call('listSecretVersions', {
      parent: 'projects/demo/secrets/b',
      filter: 'state:ENABLED',
      pageSize: 1,
      pageToken: page1.nextPageToken,
    });
    expect(page2.versions.map((v) => v.name)).toEqual(['projects/42/secrets/b/versions/1']);
    expect(page2.nextPageToken).toBe('');
  });

  it('answers NOT_FOUND, FAILED_PRECONDITION and PERMISSION_DENIED', async () => {
    const missing = await failure('accessSecretVersion', { name: 'projects/demo/secrets/none/versions/latest' });
    expect(missing.code).toBe(grpc.status.NOT_FOUND);
    fake.addSecretVersion('projects/demo/secrets/c', 'x');
    expect((await failure('accessSecretVersion', { name: 'projects/demo/secrets/c/versions/9' })).code).toBe(
      grpc.status.NOT_FOUND,
    );
    fake.setVersionState('projects/demo/secrets/c/versions/1', 'DESTROYED');
    expect((await failure('accessSecretVersion', { name: 'projects/demo/secrets/c/versions/1' })).code).toBe(
      grpc.status.FAILED_PRECONDITION,
    );
    fake.deny('projects/demo/secrets/c', ['secretmanager.versions.list']);
    expect((await failure('listSecretVersions', { parent: 'projects/demo/secrets/c' })).code).toBe(
      grpc.status.PERMISSION_DENIED,
    );
    const get = await call('getSecretVersion', { name: 'projects/demo/secrets/c/versions/1' });
    expect(get.state).toBe('DESTROYED');
    fake.deny('projects/demo/secrets/c');
    const denied = await failure('getSecretVersion', { name: 'projects/demo/secrets/c/versions/1' });
    expect(denied.code).toBe(grpc.status.PERMISSION_DENIED);
    expect(denied.details).toContain("Permission 'secretmanager.versions.get' denied");
  });

  it('answers UNIMPLEMENTED for methods it does not fake, and records every call', async () => {
    const before = fake.calls.length;
    expect((await failure('getSecret', { name: 'projects/demo/secrets/a' })).code).toBe(grpc.status.UNIMPLEMENTED);
    await call('accessSecretVersion', { name: 'projects/demo/secrets/a/versions/1' });
    expect(fake.calls.slice(before).map((c) => c.method)).toEqual(['AccessSecretVersion']);
  });
});
