import { randomBytes } from 'node:crypto';
import { chmod, writeFile } from 'node:fs/promises';
import { ConfigurationError, KEK_BYTES } from '@oauth-store/core';

/** A new random key-encryption key (32 bytes), base64-encoded: what `fileKeySource`/`envKeySource` read by default. */
export function generateKey(): string {
  return randomBytes(KEK_BYTES).toString('base64');
}

/**
 * Writes a new key to `path`, readable and writable by the owner only (0600). Refuses to replace an existing file
 * unless `overwrite` is set: replacing a key in use makes every record written under it unreadable.
 */
export async function writeKeyFile(path: string, options: { overwrite?: boolean } = {}): Promise<void> {
  try {
    await writeFile(path, `${generateKey()}\n`, { mode: 0o600, flag: options.overwrite ? 'w' : 'wx' });
    // `mode` applies only when the file is created; a replaced file keeps its old mode otherwise.
    await chmod(path, 0o600);
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code === 'EEXIST') {
      throw new ConfigurationError(
        `${path} already exists. Choose another path; replacing a key in use makes existing records unreadable (pass --force only if you are sure).`,
        { source: 'keys' },
      );
    }
    throw new ConfigurationError(
      `cannot write the key file ${path} (${typeof code === 'string' ? code : 'error'}). Check the directory exists and is writable.`,
      {
        source: 'keys',
      },
    );
  }
}
