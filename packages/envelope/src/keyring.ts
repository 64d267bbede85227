import { timingSafeEqual } from 'node:crypto';
import {
  assertValidKid,
  ConfigurationError,
  KEK_BYTES,
  type KeyringMaterial,
  type KeyVersion,
} from '@oauth-store/core';

/**
 * A validated set of key-encryption keys: one primary (writes) and any number of decrypt-only keys, found by kid.
 * It exposes key ids only; the material lives in a module-private map, so logging or serialising a keyring never
 * prints a key.
 */
export interface Keyring {
  /** Kid of the key that wraps every new record. */
  readonly primaryKid: string;
  /** Kids that still unwrap older records but never wrap new ones. */
  readonly decryptOnlyKids: readonly string[];
  /** True when the keyring holds a key with this kid. */
  has(kid: string): boolean;
  /** The retirement bound of a decrypt-only kid (epoch ms), or undefined when it has none; see {@link RetiredKeyVersion}. */
  notAfter(kid: string): number | undefined;
}

/**
 * A decrypt-only key with an optional retirement bound. With `notAfter` set, the key opens only records whose
 * authenticated expiry is set and at most `notAfter`: nothing it opens can outlive its retirement, so a record forged
 * with a leaked retired key cannot be permanent or long-lived, and once the clock passes `notAfter` the key opens
 * nothing at all. Set it to the `retainOldKeysUntil` a rewrap pass reported (after `failed` was 0).
 *
 * (A bound on the record's *write* time would be worthless: whoever holds the key can write any time into a record.)
 */
export interface RetiredKeyVersion extends KeyVersion {
  /** Epoch ms or a Date. */
  readonly notAfter?: number | Date;
}

/** {@link KeyringMaterial} whose decrypt-only keys may carry a retirement bound. */
export interface EnvelopeKeyringMaterial extends KeyringMaterial {
  readonly decryptOnly: readonly RetiredKeyVersion[];
}

interface Material {
  readonly primary: { readonly kid: string; readonly key: Buffer };
  readonly byKid: ReadonlyMap<string, Buffer>;
}

const materials = new WeakMap<Keyring, Material>();

function fail(message: string): ConfigurationError {
  return new ConfigurationError(message, { source: 'envelope' });
}

// Messages name a key by its position only, never by its kid: kids come from the same secret as the keys, and a
// misplaced key in a kid's place must not be printed.
function checkVersion(version: unknown, where: string): KeyVersion {
  if (!version || typeof version !== 'object') {
    throw fail(`${where} must be an object { kid, key }.`);
  }
  const { kid, key } = version as Partial<KeyVersion>;
  assertValidKid(kid as string, `the kid of ${where}`);
  if (!(key instanceof Uint8Array)) {
    throw fail(`the key of ${where} must be a Uint8Array. Decode secrets with keyFromSecret().`);
  }
  if (key.length !== KEK_BYTES) {
    throw fail(
      `the key of ${where} is ${key.length} bytes; a key-encryption key is exactly ${KEK_BYTES} bytes. Derive one from a secret with keyFromSecret().`,
    );
  }
  return { kid: kid as string, key };
}

function checkNotAfter(value: unknown, where: string): number | undefined {
  if (value === undefined) return undefined;
  const ms = value instanceof Date ? value.getTime() : value;
  if (typeof ms !== 'number' || !Number.isSafeInteger(ms) || ms < 0) {
    throw fail(`the notAfter of ${where} must be a Date or epoch milliseconds (a whole number >= 0).`);
  }
  return ms;
}

/**
 * Validates key material and builds a {@link Keyring}. The same kid may appear twice only with identical material
 * (a source may list its primary among the decrypt-only keys); the same kid with different keys is a
 * {@link ConfigurationError}, because records name their key by kid alone.
 */
export function createKeyring(material: KeyringMaterial | EnvelopeKeyringMaterial): Keyring {
  if (!material || typeof material !== 'object') {
    throw fail('a keyring needs { primary: { kid, key }, decryptOnly: [...] }.');
  }
  const primary = checkVersion(material.primary, 'the primary key');
  if ((material.primary as RetiredKeyVersion).notAfter !== undefined) {
    throw fail('the primary key cannot have notAfter: it writes new records. Only decrypt-only keys retire.');
  }
  const notAfter = new Map<string, number>();
  const decryptOnly = material.decryptOnly ?? [];
  if (!Array.isArray(decryptOnly)) throw fail('decryptOnly must be an array of { kid, key }.');
  const raw = new Map<string, Uint8Array>([[primary.kid, primary.key]]);
  decryptOnly.forEach((entry, index) => {
    const version = checkVersion(entry, `decryptOnly[${index}]`);
    const bound = checkNotAfter((entry as RetiredKeyVersion).notAfter, `decryptOnly[${index}]`);
    const existing = raw.get(version.kid);
    if (existing) {
      if (!timingSafeEqual(existing, version.key)) {
        throw fail(
          `decryptOnly[${index}] repeats the kid of an earlier key with a different key. Every key needs its own kid; records are matched to keys by kid.`,
        );
      }
      if (bound !== undefined && version.kid === primary.kid) {
        throw fail(`decryptOnly[${index}] repeats the primary key with a notAfter: the primary key cannot retire.`);
      }
      if (bound !== undefined) notAfter.set(version.kid, Math.min(bound, notAfter.get(version.kid) ?? bound));
      return;
    }
    if (bound !== undefined) notAfter.set(version.kid, bound);
    raw.set(version.kid, version.key);
  });
  // Copies, so later mutation of the caller's arrays cannot change the keyring. Plain Buffers rather than KeyObjects:
  // AES-GCM with a KeyObject key costs twice as much per call in Node 20, and this map is module-private anyway.
  const byKid = new Map([...raw].map(([kid, key]) => [kid, Buffer.from(key)] as const));
  const keyring: Keyring = Object.freeze({
    primaryKid: primary.kid,
    decryptOnlyKids: Object.freeze([...byKid.keys()].filter((kid) => kid !== primary.kid)),
    has: (kid: string) => byKid.has(kid),
    notAfter: (kid: string) => notAfter.get(kid),
  });
  materials.set(keyring, { primary: { kid: primary.kid, key: byKid.get(primary.kid)! }, byKid });
  return keyring;
}

/** True when `value` is a keyring made by {@link createKeyring}. */
export function isKeyring(value: unknown): value is Keyring {
  return typeof value === 'object' && value !== null && materials.has(value as Keyring);
}

/** Accepts a keyring or raw material (validated). */
export function toKeyring(keys: Keyring | KeyringMaterial | EnvelopeKeyringMaterial): Keyring {
  return isKeyring(keys) ? keys : createKeyring(keys as EnvelopeKeyringMaterial);
}

/** The primary key's material (package-internal). */
export function primaryKey(keyring: Keyring): { kid: string; key: Buffer } {
  return materials.get(keyring)!.primary;
}

/** The material for a kid, or undefined (package-internal). */
export function keyForKid(keyring: Keyring, kid: string): Buffer | undefined {
  return materials.get(keyring)?.byKid.get(kid);
}
