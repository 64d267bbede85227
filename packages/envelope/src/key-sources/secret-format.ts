import { createHmac } from 'node:crypto';
import {
  assertValidKid,
  ConfigurationError,
  type KeyringMaterial,
  type KeyVersion,
  keyFromSecret,
  type SecretEncoding,
} from '@oauth-store/core';

/**
 * How a secret's text is laid out:
 * - `single`: the whole secret is one key in the given encoding.
 * - `json`: several keys, `{"primary":"kid2","keys":{"kid2":"<key>","kid1":"<key>"}}`, each value in the given
 *   encoding; `primary` writes, the others decrypt only.
 * - `auto` (default): `json` when the text starts with `{` (and the encoding is not `raw`), else `single`.
 */
export type SecretFormat = 'auto' | 'single' | 'json';

/** Options shared by the env and file key sources. */
export interface SecretKeyOptions {
  /** How each key is encoded: `base64` for `openssl rand -base64 32`, `hex`, `base64url`, `raw`, or `passphrase`. */
  encoding: SecretEncoding;
  /** Kid for the `single` format. Default: a fingerprint of the key, `fp-` + 16 hex digits (see the format spec). */
  kid?: string;
  /** See {@link SecretFormat}. Default `auto`. */
  format?: SecretFormat;
}

/** Info string of the default kid fingerprint (HMAC-SHA256 keyed by the KEK; 64 bits shown, nothing else learned). */
export const KID_FINGERPRINT_INFO = 'oauth-store kid fingerprint';

/** The default kid of a single key: `fp-` + the first 16 hex digits of HMAC-SHA256(key, {@link KID_FINGERPRINT_INFO}). */
export function fingerprintKid(key: Uint8Array): string {
  return `fp-${createHmac('sha256', key).update(KID_FINGERPRINT_INFO).digest('hex').slice(0, 16)}`;
}

function fail(message: string): ConfigurationError {
  return new ConfigurationError(message, { source: 'envelope' });
}

const JSON_EXAMPLE = '{"primary":"2025-06","keys":{"2025-06":"<base64 key>","2025-01":"<base64 key>"}}';

function parseJson(text: string, name: string, encoding: SecretEncoding): KeyringMaterial {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch {
    // No cause and no parser message: JSON.parse errors quote the input, which is key material.
    throw fail(`${name} starts with "{" but is not valid JSON. Use the form ${JSON_EXAMPLE}.`);
  }
  const { primary, keys } = (document ?? {}) as { primary?: unknown; keys?: unknown };
  if (typeof primary !== 'string' || !keys || typeof keys !== 'object' || Array.isArray(keys)) {
    throw fail(`${name} must have a string "primary" and an object "keys", as in ${JSON_EXAMPLE}.`);
  }
  const versions: KeyVersion[] = [];
  for (const [kid, value] of Object.entries(keys)) {
    assertValidKid(kid, `the kid "${kid.slice(0, 40)}" in ${name}`);
    if (typeof value !== 'string') throw fail(`keys."${kid}" in ${name} must be a string in ${encoding} encoding.`);
    versions.push({ kid, key: keyFromSecret(value, encoding, `keys."${kid}" in ${name}`) });
  }
  const primaryVersion = versions.find((version) => version.kid === primary);
  if (!primaryVersion) {
    throw fail(`${name} names primary kid "${primary.slice(0, 40)}", which is not among its keys. Add it to "keys".`);
  }
  return { primary: primaryVersion, decryptOnly: versions.filter((version) => version !== primaryVersion) };
}

/**
 * Decodes a secret into key material (see {@link SecretFormat}). `name` describes where the secret came from in error
 * messages (for example `environment variable OAUTH_STORE_KEK`); the secret itself never appears in one.
 */
export function keyringMaterialFromSecret(
  secret: string | Uint8Array,
  options: SecretKeyOptions,
  name: string,
): KeyringMaterial {
  const format = options.format ?? 'auto';
  if (format !== 'auto' && format !== 'single' && format !== 'json') {
    throw fail(`format must be "auto", "single" or "json", got ${JSON.stringify(String(format).slice(0, 20))}.`);
  }
  const text = typeof secret === 'string' ? secret : Buffer.from(secret).toString('utf8');
  const isJson =
    format === 'json' || (format === 'auto' && options.encoding !== 'raw' && text.trimStart().startsWith('{'));
  if (isJson) {
    if (options.kid !== undefined) {
      throw fail(`kid is set, but ${name} holds several keys with their own kids; remove the kid option.`);
    }
    return parseJson(text, name, options.encoding);
  }
  const key = keyFromSecret(secret, options.encoding, name);
  const kid = options.kid ?? fingerprintKid(key);
  assertValidKid(kid, 'the kid option');
  return { primary: { kid, key }, decryptOnly: [] };
}
