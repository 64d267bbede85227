// The shared signing keyring over a simulated day (injected clock): three instances on one store sign and verify;
// keys rotate every 6 hours, each published an hour before it signs, and retired keys verify for 2 hours more.
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import { ConfigurationError, type KeySource, MemoryStore } from '@oauth-store/core';
import { decodeProtectedHeader } from 'jose';
import { type SigningAlgorithm, SigningKeyring } from '../src/index';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

describe.each<SigningAlgorithm>(['ES256', 'EdDSA', 'RS256'])(
  'SigningKeyring (%s) over a simulated day',
  (algorithm) => {
    it('tokens signed before, during and after each overlap verify on every instance; retired keys end', async () => {
      let now = Date.parse('2026-12-01T00:00:00Z');
      const clock = () => now;
      const store = new MemoryStore({ now: clock });
      const options = {
        store,
        algorithm,
        now: clock,
        rotationIntervalMs: 6 * HOUR,
        prepublishMs: HOUR,
        maxTokenLifetimeMs: 2 * HOUR,
        refreshIntervalMs: 10 * MINUTE,
      };
      // Instances start at once: exactly one generated the first key (the others lost the conditional create).
      const instances = Array.from({ length: 3 }, () => new SigningKeyring(options));
      const first = await Promise.all(instances.map((instance) => instance.publicJwks()));
      expect(new Set(first.map((jwks) => JSON.stringify(jwks))).size).toBe(1);
      expect(first[0]?.keys).toHaveLength(1);

      const signed: { token: string; kid: string; signedAt: number }[] = [];
      const firstSignedAt = new Map<string, number>();
      const seenBy = new Map<string, number[]>();
      for (let step = 0; now < Date.parse('2026-12-02T00:00:00Z'); step += 1) {
        for (const [index, instance] of instances.entries()) {
          for (const key of (await instance.publicJwks()).keys) {
            const seen = seenBy.get(key.kid as string) ?? [];
            if (seen[index] === undefined) seen[index] = now;
            seenBy.set(key.kid as string, seen);
          }
        }
        const signer = instances[step % instances.length] as SigningKeyring;
        const token = await signer.sign(
          { sub: `user-${step}` },
          { expiresInMs: 2 * HOUR, issuer: 'https://as.example' },
        );
        const kid = decodeProtectedHeader(token).kid as string;
        if (!firstSignedAt.has(kid)) firstSignedAt.set(kid, now);
        signed.push({ token, kid, signedAt: now });
        // Every token still within its lifetime verifies on every instance.
        for (const entry of signed.filter((s) => s.signedAt + 2 * HOUR > now)) {
          for (const instance of instances) {
            const result = await instance.verify(entry.token, { issuer: 'https://as.example' });
            if (!result.ok)
              throw new Error(
                `token signed at +${(entry.signedAt - signed[0]!.signedAt) / MINUTE} min failed at +${(now - signed[0]!.signedAt) / MINUTE} min: ${result.reason}`,
              );
          }
        }
        now += 10 * MINUTE;
      }
      // Four rotations in a day (a new key every 6 hours), each published on every instance before it signed.
      const kids = [...firstSignedAt.keys()];
      expect(kids).toHaveLength(4);
      for (const kid of kids.slice(1)) {
        const seen = seenBy.get(kid) ?? [];
        expect(seen.filter((at) => at !== undefined)).toHaveLength(instances.length);
        expect(Math.max(...seen)).toBeLessThanOrEqual((firstSignedAt.get(kid) as number) - 30 * MINUTE);
      }
      // The first key stopped signing at +6 h; at +8 h (+ tolerance) it is gone: its last token fails on its key.
      const lastOfFirst = signed.filter((s) => s.kid === kids[0]).at(-1);
      if (!lastOfFirst) throw new Error('no token of the first key');
      const jwks = await instances[0]?.publicJwks();
      expect(jwks?.keys.map((key) => key.kid)).not.toContain(kids[0]);
      expect(await instances[1]?.verify(lastOfFirst.token)).toEqual({ ok: false, reason: 'unknown_key' });
    });
  },
);

describe('SigningKeyring from a key source', () => {
  it('every instance derives the same key; a decrypt-only version still verifies; nothing is stored', async () => {
    const v1 = { kid: 'v1', key: new Uint8Array(randomBytes(32)) };
    const v2 = { kid: 'v2', key: new Uint8Array(randomBytes(32)) };
    let material = { primary: v1, decryptOnly: [] as (typeof v1)[] };
    const source: KeySource = { description: 'test secret', load: async () => material };
    const a = new SigningKeyring({ keySource: source, algorithm: 'EdDSA' });
    const b = new SigningKeyring({ keySource: source, algorithm: 'EdDSA' });
    const token = await a.sign({ sub: 'alice' });
    expect(await b.verify(token)).toMatchObject({ ok: true, payload: { sub: 'alice' } });
    expect(await a.publicJwks()).toEqual(await b.publicJwks());
    expect(JSON.stringify(await a.publicJwks())).not.toContain('"d"');
    // Rotation by the secret manager: v2 becomes primary, v1 stays decrypt-only.
    material = { primary: v2, decryptOnly: [v1] };
    await b.refresh();
    const newer = await b.sign({ sub: 'bob' });
    expect(decodeProtectedHeader(newer).kid).not.toBe(decodeProtectedHeader(token).kid);
    expect(await b.verify(token)).toMatchObject({ ok: true });
    expect(await a.verify(newer)).toMatchObject({ ok: true }); // unknown kid: a reloads once
  });

  it('refuses wrong options and bad tokens with typed errors or verdicts', async () => {
    const store = new MemoryStore();
    expect(() => new SigningKeyring({} as never)).toThrow(ConfigurationError);
    expect(() => new SigningKeyring({ store, algorithm: 'HS256' as never })).toThrow(ConfigurationError);
    expect(() => new SigningKeyring({ store, prepublishMs: 60_000, refreshIntervalMs: 60_000 })).toThrow(
      ConfigurationError,
    );
    const keyring = new SigningKeyring({ store });
    await expect(keyring.sign({ a: 1 }, { expiresInMs: 3 * 24 * HOUR })).rejects.toThrow(/maxTokenLifetimeMs/);
    expect(await keyring.verify('not.a.jwt')).toEqual({ ok: false, reason: 'invalid' });
    const token = await keyring.sign({ a: 1 });
    const tampered = `${token.slice(0, -4)}AAAA`;
    expect((await keyring.verify(tampered)).ok).toBe(false);
    expect((await keyring.verify(token, { audience: 'someone-else' })).ok).toBe(false);
    // The stored keyring holds the private key (encrypt the store with the envelope); the JWKS never does.
    expect(JSON.stringify(await keyring.publicJwks())).not.toContain('"d"');
  });
});
