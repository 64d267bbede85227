import { request } from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type FakeKeyVault, startFakeKeyVault } from '../src/fakes';

// Checks the Key Vault FAKE's wire format with plain HTTPS requests, as the Key Vault REST reference describes it.

let fake: FakeKeyVault;
beforeAll(async () => {
  fake = await startFakeKeyVault({ token: 'test-token', tenantId: 'tenant-1', pageSize: 2 });
});
afterAll(async () => {
  await fake?.close();
});

/** The JSON fields these tests read. */
interface Bundle {
  value?: string;
  id: string;
  contentType?: string;
  attributes: { enabled: boolean; created: number };
}

interface Page {
  value: Bundle[];
  nextLink: string | null;
}

interface Failure {
  error: { code: string; innererror?: { code: string } };
}

interface Answer<T> {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: T;
}

function get<T = Bundle>(path: string, token: string | null = 'test-token'): Promise<Answer<T>> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${fake.vaultUrl}${path}`,
      { ca: fake.ca, headers: token ? { authorization: `Bearer ${token}` } : {} },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: JSON.parse(Buffer.concat(chunks).toString()),
          }),
        );
      },
    );
    req.on('error', reject);
    req.end();
  });
}

describe('Key Vault fake', () => {
  it('serves HTTPS with a certificate for 127.0.0.1 and answers the bearer challenge', async () => {
    const challenge = await get('/secrets/x?api-version=7.6', null);
    expect(challenge.status).toBe(401);
    expect(challenge.headers['www-authenticate']).toBe(
      'Bearer authorization="https://login.microsoftonline.com/tenant-1", resource="https://vault.azure.net"',
    );
    expect((await get('/secrets/x?api-version=7.6', 'wrong')).status).toBe(401);
  });

  it('returns the latest or a given version as a SecretBundle, and lists versions with paging', async () => {
    const v1 = fake.setSecret('wire-one', 'a', { contentType: 'text/plain' });
    const v2 = fake.setSecret('wire-one', 'b');
    const v3 = fake.setSecret('wire-one', 'c');
    const latest = await get('/secrets/wire-one/?api-version=7.6');
    expect(latest.status).toBe(200);
    expect(latest.body).toMatchObject({ value: 'c', id: `${fake.vaultUrl}/secrets/wire-one/${v3}` });
    expect(latest.body.attributes).toMatchObject({ enabled: true });
    expect(Number.isInteger(latest.body.attributes.created)).toBe(true);
    const first = await get(`/secrets/wire-one/${v1}?api-version=7.6`);
    expect(first.body).toMatchObject({ value: 'a', contentType: 'text/plain' });
    const page1 = await get<Page>('/secrets/wire-one/versions?api-version=7.6');
    expect(page1.body.value).toHaveLength(2);
    expect(page1.body.value[0]!.value).toBeUndefined();
    const next = new URL(page1.body.nextLink!);
    const page2 = await get<Page>(next.pathname + next.search);
    expect(page2.body.nextLink).toBeNull();
    const ids = [...page1.body.value, ...page2.body.value].map((v) => v.id.split('/').at(-1));
    expect(ids.sort()).toEqual([v1, v2, v3].sort());
  });

  it('answers 404 SecretNotFound, 403 Forbidden, 403 SecretDisabled and 400 without api-version', async () => {
    const missing = await get<Failure>('/secrets/nothing?api-version=7.6');
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('SecretNotFound');
    const v1 = fake.setSecret('wire-two', 'x');
    fake.setEnabled('wire-two', v1, false);
    const disabled = await get<Failure>(`/secrets/wire-two/${v1}?api-version=7.6`);
    expect(disabled.status).toBe(403);
    expect(disabled.body.error).toMatchObject({ code: 'Forbidden', innererror: { code: 'SecretDisabled' } });
    fake.deny('wire-two', ['list']);
    expect((await get('/secrets/wire-two/versions?api-version=7.6')).status).toBe(403);
    expect((await get('/secrets/wire-two?api-version=7.6')).status).toBe(403);
    expect((await get('/secrets/wire-two')).status).toBe(400);
  });
});
