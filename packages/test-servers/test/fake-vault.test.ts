import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type FakeVault, startFakeVault } from '../src/fakes';

// Checks the Vault KV v2 FAKE's wire format with plain HTTP, as Vault's API documentation describes it.

let vault: FakeVault;
beforeAll(async () => {
  vault = await startFakeVault({ rootToken: 'root' });
});
afterAll(async () => {
  await vault?.close();
});

// The wire shapes under test, loosely typed: the assertions check them.
interface KvBody {
  errors?: string[];
  data: { data: Record<string, string> | null; metadata: { version: number; deletion_time: string } };
}

async function get(path: string, token?: string): Promise<{ status: number; body: KvBody }> {
  const response = await fetch(`${vault.address}${path}`, { headers: token ? { 'X-Vault-Token': token } : {} });
  return { status: response.status, body: (await response.json()) as KvBody };
}

describe('Vault KV v2 fake', () => {
  it('serves the latest and a given version with data and metadata', async () => {
    vault.put('secret', 'app/one', { key: 'v1' });
    vault.put('secret', 'app/one', { key: 'v2' });
    const latest = await get('/v1/secret/data/app/one', 'root');
    expect(latest.status).toBe(200);
    expect(latest.body.data.data).toEqual({ key: 'v2' });
    expect(latest.body.data.metadata).toMatchObject({ version: 2, destroyed: false, deletion_time: '' });
    const first = await get('/v1/secret/data/app/one?version=1', 'root');
    expect(first.body.data.data).toEqual({ key: 'v1' });
    expect(first.body.data.metadata.version).toBe(1);
  });

  it('answers 403 permission denied without a valid token or outside the granted paths', async () => {
    vault.put('secret', 'app/two', { key: 'x' });
    expect(await get('/v1/secret/data/app/two')).toEqual({ status: 403, body: { errors: ['permission denied'] } });
    expect((await get('/v1/secret/data/app/two', 'wrong')).status).toBe(403);
    vault.addToken('narrow', { paths: ['secret/data/app/other'] });
    expect((await get('/v1/secret/data/app/two', 'narrow')).status).toBe(403);
  });

  it('answers 404 {"errors":[]} for an unknown path and 404 with metadata for a deleted version', async () => {
    expect(await get('/v1/secret/data/nothing-here', 'root')).toEqual({ status: 404, body: { errors: [] } });
    vault.put('secret', 'app/three', { key: 'a' });
    vault.put('secret', 'app/three', { key: 'b' });
    vault.deleteVersion('secret', 'app/three', 1);
    const deleted = await get('/v1/secret/data/app/three?version=1', 'root');
    expect(deleted.status).toBe(404);
    expect(deleted.body.data.data).toBeNull();
    expect(deleted.body.data.metadata.version).toBe(1);
    expect(deleted.body.data.metadata.deletion_time).not.toBe('');
  });

  it('answers 503 while sealed and counts requests', async () => {
    const before = vault.requests.length;
    vault.setSealed(true);
    expect(await get('/v1/secret/data/app/one', 'root')).toEqual({
      status: 503,
      body: { errors: ['Vault is sealed'] },
    });
    vault.setSealed(false);
    expect(vault.requests.length - before).toBe(1);
  });
});
