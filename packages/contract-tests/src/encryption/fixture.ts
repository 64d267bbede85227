import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { ByteStore, KeyringMaterial, KeyVersion } from '@oauth-store/core';
import type { ResolvedEncryptionOptions } from './options';

/** A fresh random 32-byte key-encryption key under a kid unique to this run. */
export function newKey(label: string): KeyVersion {
  return { kid: `ct-${label}-${randomBytes(4).toString('hex')}`, key: new Uint8Array(randomBytes(32)) };
}

/** Key material with `primary` for writes and the rest decrypt-only. */
export function keyring(primary: KeyVersion, ...decryptOnly: KeyVersion[]): KeyringMaterial {
  return { primary, decryptOnly };
}

/** An ASCII plaintext that is easy to search for in stored bytes. */
export function marker(): Uint8Array {
  return new TextEncoder().encode(`oauth-store-plaintext-marker:${randomBytes(16).toString('hex')}`);
}

function indexOf(haystack: Uint8Array, needle: Uint8Array): number {
  return Buffer.from(haystack.buffer, haystack.byteOffset, haystack.byteLength).indexOf(Buffer.from(needle));
}

/** Fails when any `window`-byte run of `secret` appears in `stored`. */
export function assertNoWindowOf(stored: Uint8Array, secret: Uint8Array, window: number, what: string): void {
  for (let start = 0; start + window <= secret.length; start += 1) {
    if (indexOf(stored, secret.subarray(start, start + window)) >= 0) {
      assert.fail(`${what}: the stored bytes contain ${window} bytes of it in the clear (at offset ${start} of it)`);
    }
  }
}

/** Texts a secret may appear as in an error message. */
function renderings(secret: Uint8Array): string[] {
  const bytes = Buffer.from(secret);
  const forms = [bytes.toString('hex'), bytes.toString('base64').replace(/=+$/, ''), bytes.toString('base64url')];
  const text = bytes.toString('utf8');
  if (/^[\x20-\x7e]+$/.test(text)) forms.push(text);
  // Any 8-byte run of hex would already be an unacceptable partial leak.
  return forms.filter((form) => form.length >= 8);
}

/** Messages of an error and its causes (a cause may be logged as well). */
function messagesOf(error: unknown): string[] {
  const out: string[] = [];
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current && typeof current === 'object'; depth += 1) {
    const { message, cause } = current as { message?: unknown; cause?: unknown };
    if (typeof message === 'string') out.push(message);
    current = cause;
  }
  return out;
}

/**
 * Asserts that `operation` rejects with an error whose `code` is one of `codes` (never resolves: a resolved
 * `undefined` is a silent miss, a resolved value is garbage), and that no message in the error or its causes
 * contains any of `secrets` (key material, plaintext) in hex, base64 or as text.
 */
export async function expectRejection(
  operation: Promise<unknown>,
  codes: readonly string[],
  secrets: readonly Uint8Array[],
  what: string,
): Promise<void> {
  let outcome: { value: unknown } | { error: unknown };
  try {
    outcome = { value: await operation };
  } catch (error) {
    outcome = { error };
  }
  if ('value' in outcome) {
    assert.fail(
      `${what}: expected a rejection with code ${codes.join(' or ')}, but it resolved ${
        outcome.value === undefined ? 'undefined (a silent miss)' : 'a value (garbage returned as data)'
      }`,
    );
  }
  const { error } = outcome;
  const code = error && typeof error === 'object' ? (error as { code?: unknown }).code : undefined;
  assert.ok(error instanceof Error, `${what}: rejected with a non-Error value`);
  assert.ok(
    typeof code === 'string' && codes.includes(code),
    `${what}: expected code ${codes.join(' or ')}, got ${String(code)} (${(error as Error).name}: ${(error as Error).message})`,
  );
  for (const message of messagesOf(error)) {
    for (const secret of secrets) {
      for (const form of renderings(secret)) {
        assert.ok(!message.includes(form), `${what}: the error message contains key material or plaintext`);
      }
    }
  }
}

/** One test's world: one inner store, any number of wrappers over it, unique collection names. */
export class EncryptionFixture {
  readonly #wrapped: ByteStore[] = [];
  readonly #prefix = `enc${randomBytes(5).toString('hex')}`;
  #counter = 0;

  private constructor(
    readonly options: ResolvedEncryptionOptions,
    readonly inner: ByteStore,
  ) {}

  /** Runs `body` with a fresh fixture and closes every store it opened, whatever happens. */
  static async run(options: ResolvedEncryptionOptions, body: (fixture: EncryptionFixture) => Promise<void>) {
    const fixture = new EncryptionFixture(options, await options.createInner());
    try {
      await body(fixture);
    } finally {
      await Promise.allSettled(fixture.#wrapped.map((store) => store.close()));
      // A wrapper may have closed the inner store already; a second close is harmless or a `closed` error.
      await Promise.allSettled([fixture.inner.close()]);
    }
  }

  /** A collection name unique to this test. */
  collection(tag = 'c'): string {
    this.#counter += 1;
    return `${this.#prefix}-${tag}-${this.#counter}`;
  }

  /** The wrapper over this fixture's inner store with these keys (a separate "instance" each call). */
  async wrap(keys: KeyringMaterial): Promise<ByteStore> {
    const store = await this.options.wrap(this.inner, keys);
    this.#wrapped.push(store);
    return store;
  }

  /** What the inner store holds under (collection, key); fails when nothing is there. */
  async raw(collection: string, key: string): Promise<Uint8Array> {
    const stored = await this.inner.get(collection, key);
    assert.ok(stored instanceof Uint8Array, 'the wrapper wrote nothing to the inner store under the same key name');
    return stored;
  }
}
