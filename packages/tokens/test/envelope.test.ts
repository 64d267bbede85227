// Under @oauth-store/envelope, what the token stores write reaches the backend encrypted: the keyring's private keys,
// a family's data, a pushed request's payload. The stores work unchanged through the wrapper (contract v2).
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import { MemoryStore } from '@oauth-store/core';
import { withEnvelopeEncryption } from '@oauth-store/envelope';
import { PushedAuthorizationRequests, RefreshTokenFamilies, SigningKeyring } from '../src/index';

describe('token stores on an envelope-encrypted store', () => {
  it('store nothing in the clear and still work', async () => {
    const inner = new MemoryStore();
    const store = withEnvelopeEncryption(inner, {
      keyring: { primary: { kid: 'k1', key: new Uint8Array(randomBytes(32)) }, decryptOnly: [] },
    });
    const keyring = new SigningKeyring({ store, algorithm: 'EdDSA' });
    const token = await keyring.sign({ sub: 'alice' });
    expect(await new SigningKeyring({ store, algorithm: 'EdDSA' }).verify(token)).toMatchObject({ ok: true });
    const families = new RefreshTokenFamilies<{ sub: string }>(store);
    const issued = await families.issue({ sub: 'visible-subject' });
    const rotated = await families.rotate(issued.token);
    expect(rotated.ok).toBe(true);
    const par = new PushedAuthorizationRequests(store);
    const pushed = await par.push({ redirect_uri: 'https://visible.example/cb' });

    const raw: string[] = [];
    for (const collection of [
      'tokens:signing-keys',
      'tokens:refresh-families',
      'tokens:refresh-tokens',
      'tokens:par',
    ]) {
      for (const key of (await inner.list(collection)).keys) {
        raw.push(key, Buffer.from((await inner.get(collection, key)) ?? new Uint8Array()).toString('latin1'));
      }
    }
    const everything = raw.join('\n');
    expect(raw.length).toBeGreaterThan(6);
    const { d } = (
      await store
        .get('tokens:signing-keys', 'keyring')
        .then((bytes) => JSON.parse(Buffer.from(bytes ?? new Uint8Array()).toString('utf8')))
    ).keys[0].privateJwk as { d: string };
    expect(d.length).toBeGreaterThan(20);
    for (const secret of [d, 'visible-subject', 'visible.example', issued.token, pushed.requestUri]) {
      expect(everything).not.toContain(secret);
    }
  });
});
