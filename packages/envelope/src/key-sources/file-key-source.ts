import { readFile } from 'node:fs/promises';
import { ConfigurationError, type KeySource } from '@oauth-store/core';
import { keyringMaterialFromSecret, type SecretKeyOptions } from './secret-format';

/** Options of {@link fileKeySource}. */
export interface FileKeySourceOptions extends SecretKeyOptions {
  /** Path of the file holding the secret (for example a mounted Kubernetes secret `/run/secrets/oauth-store-kek`). */
  path: string;
}

function describeReadError(code: unknown, description: string): string {
  switch (code) {
    case 'ENOENT':
      return `${description} does not exist. Create it (for example \`openssl rand -base64 32 > FILE\`) or fix the path.`;
    case 'EACCES':
    case 'EPERM':
      return `${description} cannot be read by this process (permission denied). Let the service's user read it.`;
    case 'EISDIR':
      return `${description} is a directory; point path at the key file inside it.`;
    default:
      return `${description} could not be read (${typeof code === 'string' ? code : 'unknown error'}). Check the path and its permissions.`;
  }
}

/**
 * A {@link KeySource} reading key material from a file (a mounted secret): one key, or several in the JSON form.
 * With a text encoding, surrounding whitespace (such as the trailing newline `openssl` writes) is ignored; a
 * `passphrase` loses only trailing line breaks; `raw` uses the file's bytes exactly. The file is re-read at each
 * `load()`, so replacing it rotates the key at the wrapper's next refresh.
 */
export function fileKeySource(options: FileKeySourceOptions): KeySource {
  const { path } = options ?? ({} as FileKeySourceOptions);
  if (typeof path !== 'string' || path === '') {
    throw new ConfigurationError('fileKeySource needs `path`: the file holding the key.', { source: 'envelope' });
  }
  const description = `key file ${path}`;
  return {
    description,
    async load() {
      let bytes: Buffer;
      try {
        bytes = await readFile(path);
      } catch (error) {
        // The fs error's message holds only the path, but keep just its code: nothing from the file can leak.
        throw new ConfigurationError(describeReadError((error as { code?: unknown }).code, description), {
          source: 'envelope',
        });
      }
      if (bytes.length === 0) {
        throw new ConfigurationError(`${description} is empty. Write a 32-byte key into it (${options.encoding}).`, {
          source: 'envelope',
        });
      }
      const secret =
        options.encoding === 'raw'
          ? new Uint8Array(bytes)
          : options.encoding === 'passphrase'
            ? bytes.toString('utf8').replace(/[\r\n]+$/, '')
            : bytes.toString('utf8');
      bytes.fill(0);
      return keyringMaterialFromSecret(secret, options, description);
    },
  };
}
