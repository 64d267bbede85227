import { createECDH, createPrivateKey, generateKeyPairSync, hkdfSync, type JsonWebKey } from 'node:crypto';
import { ConfigurationError } from '@oauth-store/core';
import { calculateJwkThumbprint } from 'jose';

/** JWS algorithms the keyring signs with. */
export type SigningAlgorithm = 'ES256' | 'EdDSA' | 'RS256';

/** The algorithms, for option checks. */
export const SIGNING_ALGORITHMS: readonly SigningAlgorithm[] = ['ES256', 'EdDSA', 'RS256'];

/** One signing key as the keyring holds it: private JWK (to sign), public JWK (published), id. */
export interface SigningKeyMaterial {
  kid: string;
  alg: SigningAlgorithm;
  privateJwk: JsonWebKey;
  publicJwk: JsonWebKey;
}

/** HKDF salt for keys derived from a key source's secret (fixed: every instance must derive the same key). */
export const SIGNING_HKDF_SALT = 'oauth-store/signing-key/v1';

function publicPart(jwk: JsonWebKey): JsonWebKey {
  const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...publicJwk } = jwk;
  return publicJwk;
}

async function finish(alg: SigningAlgorithm, privateJwk: JsonWebKey): Promise<SigningKeyMaterial> {
  const publicJwk = publicPart(privateJwk);
  // RFC 7638 thumbprint: the same key gets the same kid on every instance, and no kid names a secret.
  const kid = await calculateJwkThumbprint(publicJwk as never, 'sha256');
  return {
    kid,
    alg,
    privateJwk: { ...privateJwk, kid, alg, use: 'sig' },
    publicJwk: { ...publicJwk, kid, alg, use: 'sig' },
  };
}

/** A new random key for `alg`. */
export async function generateSigningKey(alg: SigningAlgorithm): Promise<SigningKeyMaterial> {
  const { privateKey } =
    alg === 'ES256'
      ? generateKeyPairSync('ec', { namedCurve: 'P-256' })
      : alg === 'EdDSA'
        ? generateKeyPairSync('ed25519')
        : generateKeyPairSync('rsa', { modulusLength: 2048 });
  return finish(alg, privateKey.export({ format: 'jwk' }));
}

// PKCS#8 wrapping of a raw Ed25519 seed (RFC 8410): fixed header, then the 32 seed bytes.
const ED25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

/**
 * The key `alg` derived from a 32-byte secret (a key source's key): HKDF-SHA256 with {@link SIGNING_HKDF_SALT} and the
 * algorithm as info. Every instance that loads the same secret gets the same key pair, without storing any private
 * key. RS256 cannot be derived this way (use a generated keyring or ES256/EdDSA).
 */
export async function deriveSigningKey(alg: SigningAlgorithm, secret: Uint8Array): Promise<SigningKeyMaterial> {
  if (alg === 'RS256') {
    throw new ConfigurationError(
      'RS256 keys cannot be derived from a key source; use ES256 or EdDSA with a key source, or let the keyring generate RS256 keys in the store.',
      { source: 'signing-keyring' },
    );
  }
  if (alg === 'EdDSA') {
    const seed = Buffer.from(hkdfSync('sha256', secret, SIGNING_HKDF_SALT, 'EdDSA Ed25519', 32));
    const key = createPrivateKey({ key: Buffer.concat([ED25519_PKCS8_PREFIX, seed]), format: 'der', type: 'pkcs8' });
    return finish(alg, key.export({ format: 'jwk' }));
  }
  // A P-256 scalar must be below the group order; a candidate that is not (probability about 2^-32) is skipped.
  for (let counter = 0; counter < 16; counter += 1) {
    const d = Buffer.from(hkdfSync('sha256', secret, SIGNING_HKDF_SALT, `ES256 P-256 ${counter}`, 32));
    try {
      const ecdh = createECDH('prime256v1');
      ecdh.setPrivateKey(d);
      const point = ecdh.getPublicKey();
      return finish(alg, {
        kty: 'EC',
        crv: 'P-256',
        d: d.toString('base64url'),
        x: point.subarray(1, 33).toString('base64url'),
        y: point.subarray(33, 65).toString('base64url'),
      });
    } catch {
      // Out of range: try the next candidate.
    }
  }
  throw new ConfigurationError('could not derive a P-256 key from the key source.', { source: 'signing-keyring' });
}
