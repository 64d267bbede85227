import { hkdfSync, scryptSync } from 'node:crypto';
import { ConfigurationError } from './errors';

/**
 * Key material contract shared by the envelope wrapper and the key sources (`@oauth-store/secrets-*`), which never
 * import each other: both speak these types.
 */

/** Length in bytes of a key-encryption key (AES-256). */
export const KEK_BYTES = 32;

/** One key-encryption key and the id records name it by. */
export interface KeyVersion {
  /** Key id written into every record; 1 to 255 bytes of printable ASCII. Derived from the secret version. */
  readonly kid: string;
  /** Exactly {@link KEK_BYTES} bytes. */
  readonly key: Uint8Array;
}

/** What a key source yields: one primary key for writes, any number of decrypt-only keys. */
export interface KeyringMaterial {
  /** Encrypts new records. */
  readonly primary: KeyVersion;
  /** Still decrypts older records; never used to write. */
  readonly decryptOnly: readonly KeyVersion[];
}

/**
 * A place key material comes from (an env var, a file, a secret manager). The envelope wrapper calls `load()` once at
 * start-up and then on its refresh interval, never per operation.
 */
export interface KeySource {
  /** Names the secret for error messages (for example `gcp-secret-manager projects/p/secrets/s`); never material. */
  readonly description: string;
  /** Fetches and decodes the current material. Rejects with a typed error that names the secret and the fix. */
  load(): Promise<KeyringMaterial>;
  /** Releases clients the source created itself. */
  close?(): Promise<void>;
}

/** How the secret's bytes are to be read. */
export type SecretEncoding = 'base64' | 'base64url' | 'hex' | 'raw' | 'passphrase';

/** HKDF-SHA256 salt for secrets that are not exactly 32 bytes (fixed; part of the format, see docs/encryption-format.md). */
export const HKDF_SALT = 'oauth-store/kek/v1';
/** HKDF-SHA256 info for the same derivation. */
export const HKDF_INFO = 'oauth-store key-encryption key';
/** scrypt salt for passphrases (fixed so every instance derives the same key). */
export const SCRYPT_SALT = 'oauth-store/passphrase/v1';
/** scrypt cost parameters for passphrases: N=2^15, r=8, p=1 (about 32 MiB and 0.1 s, once at start-up). */
export const SCRYPT_PARAMS = { N: 2 ** 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 } as const;

const PATTERNS: Record<'base64' | 'base64url' | 'hex', RegExp> = {
  base64: /^[A-Za-z0-9+/]+={0,2}$/,
  base64url: /^[A-Za-z0-9_-]+={0,2}$/,
  hex: /^(?:[0-9a-fA-F]{2})+$/,
};

function decode(secret: Uint8Array | string, encoding: Exclude<SecretEncoding, 'passphrase'>, name: string): Buffer {
  if (encoding === 'raw') return Buffer.from(typeof secret === 'string' ? Buffer.from(secret, 'utf8') : secret);
  const text = (typeof secret === 'string' ? secret : Buffer.from(secret).toString('utf8')).trim();
  if (!PATTERNS[encoding].test(text)) {
    throw new ConfigurationError(
      `${name} is not valid ${encoding}. Generate a key with \`oauth-store keys generate\` (or \`openssl rand -base64 32\`) and store it as ${encoding}.`,
      { source: 'keys' },
    );
  }
  return Buffer.from(text, encoding === 'hex' ? 'hex' : encoding);
}

/**
 * Turns a secret into a 32-byte key-encryption key.
 *
 * - Exactly 32 bytes after decoding: used as is.
 * - Longer: HKDF-SHA256 with {@link HKDF_SALT} and {@link HKDF_INFO}.
 * - Shorter: rejected (too little entropy for HKDF to stretch), unless the encoding is `passphrase`,
 *   which goes through scrypt because a human-chosen secret needs a password KDF.
 *
 * `name` describes the secret in error messages; the material itself never appears in one.
 */
export function keyFromSecret(secret: Uint8Array | string, encoding: SecretEncoding, name = 'the secret'): Uint8Array {
  if (encoding === 'passphrase') {
    const text = typeof secret === 'string' ? secret : Buffer.from(secret).toString('utf8');
    if (text.length < 16) {
      throw new ConfigurationError(
        `${name} is a passphrase of fewer than 16 characters. Use a longer passphrase, or a random 32-byte key.`,
        { source: 'keys' },
      );
    }
    return new Uint8Array(scryptSync(text.normalize('NFC'), SCRYPT_SALT, KEK_BYTES, SCRYPT_PARAMS));
  }
  const bytes = decode(secret, encoding, name);
  if (bytes.length === KEK_BYTES) return new Uint8Array(bytes);
  if (bytes.length < KEK_BYTES) {
    throw new ConfigurationError(
      `${name} decodes to ${bytes.length} bytes; a key needs at least ${KEK_BYTES} random bytes. Generate one with \`oauth-store keys generate\`.`,
      { source: 'keys' },
    );
  }
  return new Uint8Array(hkdfSync('sha256', bytes, HKDF_SALT, HKDF_INFO, KEK_BYTES));
}

/** Throws {@link ConfigurationError} unless `kid` is a usable key id. */
export function assertValidKid(kid: string, name = 'the key id'): void {
  if (typeof kid !== 'string' || !/^[\x21-\x7e]{1,255}$/.test(kid)) {
    throw new ConfigurationError(`${name} must be 1 to 255 printable ASCII characters without spaces.`, {
      source: 'keys',
    });
  }
}
