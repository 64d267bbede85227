import { createHmac } from 'node:crypto';
import { assertValidKid, ConfigurationError, keyFromSecret, type SecretEncoding } from '@oauth-store/core';
import type { EnvelopeKeyringMaterial, RetiredKeyVersion } from '../keyring';

/**
 * How a secret's text is laid out:
 * - `single`: the whole secret is one key in the given encoding.
 * - `json`: several keys, `{"primary":"kid2","keys":{"kid2":"<key>","kid1":"<key>"}}`, each value in the given
 *   encoding; `primary` writes, the others decrypt only. An optional `"notAfter": {"kid1": "2026-01-31T00:00:00Z"}`
 *   retires decrypt-only keys (see `RetiredKeyVersion`).
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

/** "1st", "2nd", ...: entries are named by position, because a kid sits where a misplaced key would. */
function ordinal(index: number): string {
  const n = index + 1;
  const tens = n % 100;
  const suffix =
    tens >= 11 && tens <= 13 ? 'th' : (({ 1: 'st', 2: 'nd', 3: 'rd' } as Record<number, string>)[n % 10] ?? 'th');
  return `${n}${suffix}`;
}

const KEY_SHAPED: Partial<Record<SecretEncoding, RegExp>> = {
  // 32 bytes or more in the encoding: 43+ base64 / base64url characters, 64+ hex digits.
  base64: /^[A-Za-z0-9+/]{43,}={0,2}$/,
  base64url: /^[A-Za-z0-9_-]{43,}={0,2}$/,
  hex: /^(?:[0-9a-fA-F]{2}){32,}$/,
};

/** True when a kid has the shape of a key in this encoding: kids are stored in the clear, so such a kid is refused. */
function looksLikeKey(kid: string, encoding: SecretEncoding): boolean {
  return KEY_SHAPED[encoding]?.test(kid) ?? false;
}

/** Epoch ms of a notAfter given as a number or an ISO 8601 date-time string; undefined when it is neither. */
function parseNotAfter(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isSafeInteger(value) && value >= 0 ? value : undefined;
  if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}T/.test(value)) return undefined;
  const ms = Date.parse(value);
  return Number.isFinite(ms) && ms >= 0 ? ms : undefined;
}

/**
 * Parses the JSON form. No message quotes anything from the document (kids included: a key pasted where a kid
 * belongs is still a key); entries are named by position and field, and the problem is described, never shown.
 */
function parseJson(text: string, name: string, encoding: SecretEncoding): EnvelopeKeyringMaterial {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch {
    // No cause and no parser message: JSON.parse errors quote the input, which is key material.
    throw fail(`${name} starts with "{" but is not valid JSON. Use the form ${JSON_EXAMPLE}.`);
  }
  const { primary, keys, notAfter } = (document ?? {}) as { primary?: unknown; keys?: unknown; notAfter?: unknown };
  if (typeof primary !== 'string' || !keys || typeof keys !== 'object' || Array.isArray(keys)) {
    throw fail(`${name} must have a string "primary" and an object "keys", as in ${JSON_EXAMPLE}.`);
  }
  if (notAfter !== undefined && (!notAfter || typeof notAfter !== 'object' || Array.isArray(notAfter))) {
    throw fail(`"notAfter" in ${name} must be an object mapping decrypt-only kids to ISO 8601 dates or epoch ms.`);
  }
  const entries = Object.entries(keys);
  const values = new Set(entries.map(([, value]) => value));
  const versions: RetiredKeyVersion[] = [];
  entries.forEach(([kid, value], index) => {
    const where = `the ${ordinal(index)} entry of "keys" in ${name}`;
    if (values.has(kid) || looksLikeKey(kid, encoding)) {
      throw fail(
        `${where} has a kid with the shape of a key (${encoding}, 32 bytes or more): kids are stored in the clear in every record, so a key pasted where its kid belongs would be published. Use a kid such as "2025-06".`,
      );
    }
    assertValidKid(kid, `the kid of ${where}`);
    if (typeof value !== 'string') throw fail(`the value of ${where} must be a string in ${encoding} encoding.`);
    versions.push({ kid, key: keyFromSecret(value, encoding, `the key of ${where}`) });
  });
  if (values.has(primary)) {
    throw fail(
      `"primary" in ${name} holds a key, not a kid: set it to the kid of the key that writes, as in ${JSON_EXAMPLE}.`,
    );
  }
  const primaryVersion = versions.find((version) => version.kid === primary);
  if (!primaryVersion) {
    throw fail(
      `"primary" in ${name} names a kid that is not among its "keys" (${versions.length} entries). Add that key to "keys" or fix "primary".`,
    );
  }
  const bounds = new Map<string, number>();
  Object.entries((notAfter ?? {}) as Record<string, unknown>).forEach(([kid, value], index) => {
    const where = `the ${ordinal(index)} entry of "notAfter" in ${name}`;
    const version = versions.find((candidate) => candidate.kid === kid);
    if (!version) throw fail(`${where} names a kid that is not among "keys".`);
    if (version === primaryVersion) throw fail(`${where} names the primary kid; only decrypt-only keys retire.`);
    const ms = parseNotAfter(value);
    if (ms === undefined)
      throw fail(`${where} must be an ISO 8601 date-time (e.g. "2026-01-31T00:00:00Z") or epoch ms.`);
    bounds.set(kid, ms);
  });
  return {
    primary: primaryVersion,
    decryptOnly: versions
      .filter((version) => version !== primaryVersion)
      .map((version) => (bounds.has(version.kid) ? { ...version, notAfter: bounds.get(version.kid) } : version)),
  };
}

/**
 * Decodes a secret into key material (see {@link SecretFormat}). `name` describes where the secret came from in error
 * messages (for example `environment variable OAUTH_STORE_KEK`); the secret itself never appears in one.
 */
export function keyringMaterialFromSecret(
  secret: string | Uint8Array,
  options: SecretKeyOptions,
  name: string,
): EnvelopeKeyringMaterial {
  const format = options.format ?? 'auto';
  if (format !== 'auto' && format !== 'single' && format !== 'json') {
    throw fail('format must be "auto", "single" or "json".');
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
