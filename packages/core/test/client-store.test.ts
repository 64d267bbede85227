import { describe, expect, it } from '@jest/globals';
import { ClientStore, ConflictError, IntegrityError, InvalidValueError, MemoryStore } from '@oauth-store/core';

const metadata = {
  redirect_uris: ['http://localhost:3000/callback'],
  client_name: 'Demo',
  token_endpoint_auth_method: 'none',
};

function fixture(options: ConstructorParameters<typeof ClientStore>[1] = {}) {
  let now = 1_700_000_000_000;
  const clock = { advance: (ms: number) => (now += ms), now: () => now };
  const raw = new MemoryStore({ now: clock.now });
  return { raw, clock, clients: new ClientStore(raw, { now: clock.now, ...options }) };
}

describe('ClientStore', () => {
  it('registers with the id and issued-at the SDK passes, and returns every field as registered', async () => {
    const { clients } = fixture();
    const registered = await clients.registerClient({
      ...metadata,
      client_id: 'https://app.example/client.json?v=1',
      client_id_issued_at: 1234,
      client_secret: 'secret-value',
      client_secret_expires_at: 99,
    });
    expect(registered.client_id).toBe('https://app.example/client.json?v=1');
    expect(await clients.getClient(registered.client_id)).toEqual(registered);
    expect(registered.client_secret).toBe('secret-value');
  });

  it('mints an id and issued-at when the caller sends none (clientIdGeneration: false)', async () => {
    const { clients } = fixture({ generateClientId: () => 'minted-id' });
    const registered = await clients.registerClient(metadata);
    expect(registered.client_id).toBe('minted-id');
    expect(registered.client_id_issued_at).toBe(1_700_000_000);
  });

  it('refuses a second registration under the same id', async () => {
    const { clients } = fixture();
    await clients.registerClient({ ...metadata, client_id: 'dup' });
    await expect(clients.registerClient({ ...metadata, client_id: 'dup' })).rejects.toBeInstanceOf(ConflictError);
  });

  it('validates on write with the SDK schema and never echoes the bad value', async () => {
    const { clients } = fixture();
    const error = await clients
      .registerClient({ redirect_uris: ['javascript:alert(1)'], client_id: 'x' })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(InvalidValueError);
    expect((error as Error).message).toContain('redirect_uris.0');
    expect((error as Error).message).not.toContain('alert');
  });

  it('reports a corrupted stored record as an integrity error, not a crash later', async () => {
    const { clients, raw } = fixture();
    await raw.set('oauth-clients', 'broken', new TextEncoder().encode(JSON.stringify({ v: 1, client: { nope: 1 } })));
    await expect(clients.getClient('broken')).rejects.toBeInstanceOf(IntegrityError);
    await raw.set('oauth-clients', 'garbage', new Uint8Array([0xff, 0xfe]));
    await expect(clients.getClient('garbage')).rejects.toBeInstanceOf(IntegrityError);
  });

  it('updates, lists and deletes clients', async () => {
    const { clients } = fixture();
    for (const id of ['a', 'b', 'c']) await clients.registerClient({ ...metadata, client_id: id });
    const updated = await clients.updateClient('b', { client_name: 'Renamed', client_secret: 'rotated' });
    expect(updated?.client_name).toBe('Renamed');
    expect((await clients.getClient('b'))?.client_secret).toBe('rotated');
    expect(await clients.updateClient('missing', { client_name: 'x' })).toBeUndefined();
    const first = await clients.listClients({ limit: 2 });
    expect(first.clients.map((client) => client.client_id)).toEqual(['a', 'b']);
    const second = await clients.listClients({ limit: 2, cursor: first.cursor! });
    expect(second.clients.map((client) => client.client_id)).toEqual(['c']);
    expect(second.cursor).toBeUndefined();
    expect(await clients.deleteClient('a')).toBe(true);
    expect(await clients.getClient('a')).toBeUndefined();
  });

  it('expires a DCR client that is never used, and keeps one that was used', async () => {
    const { clients, clock } = fixture({ unusedClientTtlMs: 60_000 });
    await clients.registerClient({ ...metadata, client_id: 'unused' });
    await clients.registerClient({ ...metadata, client_id: 'used' });
    expect(await clients.getClient('used')).toBeDefined();
    clock.advance(60_001);
    expect(await clients.getClient('unused')).toBeUndefined();
    expect(await clients.getClient('used')).toBeDefined();
  });
});
