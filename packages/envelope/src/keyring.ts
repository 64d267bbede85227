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
}

interface Material {
  readonly primary: { readonly kid: string; readonly key: Buffer };
  readonly byKid: ReadonlyMap<string, Buffer>;
}

const materials = new WeakMap<Keyring, Material>();

function fail(message: string): ConfigurationError {
  return new ConfigurationError(message, { source: 'envelope' });
}

function checkVersion(version: unknown, where: string): KeyVersion {
  if (!version || typeof version !== 'object') {
    throw fail(`${where} must be an object { kid, key }.`);
  }
  const { kid, key } = version as Partial<KeyVersion>;
  assertValidKid(kid as string, `the kid of ${where}`);
  if (!(key instanceof Uint8Array)) {
    throw fail(`the key of ${where} (kid "${kid}") must be a Uint8Array. Decode secrets with keyFromSecret().`);
  }
  if (key.length !== KEK_BYTES) {
    throw fail(
      `the key of ${where} (kid "${kid}") is ${key.length} bytes; a key-encryption key is exactly ${KEK_BYTES} bytes. Derive one from a secret with keyFromSecret().`,
    );
  }
  return { kid: kid as string, key };
}

/**
 * Validates key material and builds a {@link Keyring}. The same kid may appear twice only with identical material
 * (a source may list its primary among the decrypt-only keys); the same kid with different keys is a
 * {@link ConfigurationError}, because records name their key by kid alone.
 */
export function createKeyring(material: KeyringMaterial): Keyring {
  if (!material || typeof material !== 'object') {
    throw fail('a keyring needs { primary: { kid, key }, decryptOnly: [...] }.');
  }
  const primary = checkVersion(material.primary, 'the primary key');
  const decryptOnly = material.decryptOnly ?? [];
  if (!Array.isArray(decryptOnly)) throw fail('decryptOnly must be an array of { kid, key }.');
  const raw = new Map<string, Uint8Array>([[primary.kid, primary.key]]);
  decryptOnly.forEach((entry, index) => {
    const version = checkVersion(entry, `decryptOnly[${index}]`);
    const existing = raw.get(version.kid);
    if (existing) {
      if (!timingSafeEqual(existing, version.key)) {
        throw fail(
          `kid "${version.kid}" appears twice with different keys. Every key needs its own kid; records are matched to keys by kid.`,
        );
      }
      return;
    }
    raw.set(version.kid, version.key);
  });
  // Copies, so later mutation of the caller's arrays cannot change the keyring. Plain Buffers rather than KeyObjects:
  // AES-GCM with a KeyObject key costs twice as much per call in Node 20, and this map is module-private anyway.
  const byKid = new Map([...raw].map(([kid, key]) => [kid, Buffer.from(key)] as const));
  const keyring: Keyring = Object.freeze({
    primaryKid: primary.kid,
    decryptOnlyKids: Object.freeze([...byKid.keys()].filter((kid) => kid !== primary.kid)),
    has: (kid: string) => byKid.has(kid),
  });
  materials.set(keyring, { primary: { kid: primary.kid, key: byKid.get(primary.kid)! }, byKid });
  return keyring;
}

/** True when `value` is a keyring made by {@link createKeyring}. */
export function isKeyring(value: unknown): value is Keyring {
  return typeof value === 'object' && value !== null && materials.has(value as Keyring);
}

/** Accepts a keyring or raw material (validated). */
export function toKeyring(keys: Keyring | KeyringMaterial): Keyring {
  return isKeyring(keys) ? keys : createKeyring(keys as KeyringMaterial);
}

/** The primary key's material (package-internal). */
export function primaryKey(keyring: Keyring): { kid: string; key: Buffer } {
  return materials.get(keyring)!.primary;
}

/** The material for a kid, or undefined (package-internal). */
export function keyForKid(keyring: Keyring, kid: string): Buffer | undefined {
  return materials.get(keyring)?.byKid.get(kid);
}
