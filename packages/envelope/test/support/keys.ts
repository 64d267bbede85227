import { randomBytes } from 'node:crypto';
import type { KeyringMaterial, KeySource, KeyVersion } from '@oauth-store/core';

/** A random KEK under `kid`. */
export function newKey(kid: string): KeyVersion {
  return { kid, key: new Uint8Array(randomBytes(32)) };
}

/** Key material with a primary and decrypt-only keys. */
export function material(primary: KeyVersion, ...decryptOnly: KeyVersion[]): KeyringMaterial {
  return { primary, decryptOnly };
}

/** A KeySource whose material the test changes, counting every load; `fail` makes loads reject. */
export class CountingKeySource implements KeySource {
  readonly description = 'test key source';
  loads = 0;
  closed = 0;
  fail: Error | undefined;
  constructor(public current: KeyringMaterial) {}
  async load(): Promise<KeyringMaterial> {
    this.loads += 1;
    if (this.fail) throw this.fail;
    return this.current;
  }
  async close(): Promise<void> {
    this.closed += 1;
  }
}

/** Polls `condition` until it holds or `timeoutMs` passes (then throws `what`). */
export async function waitFor(condition: () => boolean, what: string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Hex and base64 renderings of secrets, to assert that messages contain none of them. */
export function renderings(...secrets: Uint8Array[]): string[] {
  return secrets.flatMap((secret) => [
    Buffer.from(secret).toString('hex'),
    Buffer.from(secret).toString('base64'),
    Buffer.from(secret).toString('base64url'),
  ]);
}
