import { constants } from 'node:fs';
import { type FileHandle, lstat, open } from 'node:fs/promises';
import { ConfigurationError, type KeySource } from '@oauth-store/core';
import { keyringMaterialFromSecret, type SecretKeyOptions } from './secret-format';

/** Options of {@link fileKeySource}. */
export interface FileKeySourceOptions extends SecretKeyOptions {
  /** Path of the file holding the secret (for example a mounted Kubernetes secret `/run/secrets/oauth-store-kek`). */
  path: string;
  /**
   * What to do when the file can be read or written by its group or by others (any of mode bits 077), as ssh checks
   * private keys: `warn` (default; once per source), `refuse` (a `configuration` error), or `ignore`. Not checked on
   * Windows, where mode bits do not describe access.
   */
  permissions?: 'warn' | 'refuse' | 'ignore';
  /**
   * What to do when `path` is a symbolic link: `warn` (default; once per source), `refuse` (the file is opened with
   * O_NOFOLLOW), or `follow` silently. Kubernetes mounts secrets as symbolic links: say `follow` there (and mount
   * with `defaultMode: 0400`).
   */
  symlinks?: 'warn' | 'refuse' | 'follow';
  /** Receives warnings (never key material). Default: `process.emitWarning` with code `OAUTH_STORE_KEY_FILE`. */
  onWarning?: (message: string) => void;
}

/** The `code` of the process warnings {@link fileKeySource} emits. */
export const KEY_FILE_WARNING_CODE = 'OAUTH_STORE_KEY_FILE';

function choice<T extends string>(value: unknown, allowed: readonly T[], fallback: T, name: string): T {
  if (value === undefined) return fallback;
  if (typeof value === 'string' && (allowed as readonly string[]).includes(value)) return value as T;
  throw new ConfigurationError(`fileKeySource: ${name} must be one of ${allowed.map((a) => `"${a}"`).join(', ')}.`, {
    source: 'envelope',
  });
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
    case 'ELOOP':
      return `${description} is a symbolic link, and this source refuses links (symlinks: "refuse"). Point path at the file itself, or allow links with symlinks: "follow".`;
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
  const permissions = choice(options.permissions, ['warn', 'refuse', 'ignore'] as const, 'warn', 'permissions');
  const symlinks = choice(options.symlinks, ['warn', 'refuse', 'follow'] as const, 'warn', 'symlinks');
  const warned = new Set<string>();
  const warn = (message: string) => {
    // Once per source and condition: a refresh every few minutes must not repeat it.
    if (warned.has(message)) return;
    warned.add(message);
    if (options.onWarning) options.onWarning(message);
    else process.emitWarning(message, { code: KEY_FILE_WARNING_CODE });
  };

  /** Opens the file (without following a final symbolic link when links are refused) and checks what it is. */
  async function openChecked(): Promise<FileHandle> {
    if (symlinks === 'warn') {
      const link = await lstat(path).catch(() => undefined);
      if (link?.isSymbolicLink()) {
        warn(
          `${description} is a symbolic link; the key is read from wherever it points. If that is intended (a Kubernetes secret mount), pass symlinks: "follow"; to refuse links, symlinks: "refuse".`,
        );
      }
    }
    const handle = await open(path, constants.O_RDONLY | (symlinks === 'refuse' ? constants.O_NOFOLLOW : 0));
    try {
      // The mode of the file actually opened (fstat), not of whatever the path names a moment later.
      const stats = await handle.stat();
      if (permissions !== 'ignore' && process.platform !== 'win32' && (stats.mode & 0o077) !== 0) {
        const mode = (stats.mode & 0o777).toString(8).padStart(4, '0');
        const message = `${description} can be read or written by its group or by others (mode ${mode}). Make it readable by the service's user only: chmod 600 (or 400), or mount the secret with mode 0400.`;
        if (permissions === 'refuse') {
          throw new ConfigurationError(`${message} (permissions: "refuse")`, { source: 'envelope' });
        }
        warn(`${message} To silence this, pass permissions: "ignore".`);
      }
      return handle;
    } catch (error) {
      await handle.close().catch(() => {});
      throw error;
    }
  }

  return {
    description,
    async load() {
      let bytes: Buffer;
      try {
        const handle = await openChecked();
        try {
          bytes = await handle.readFile();
        } finally {
          await handle.close().catch(() => {});
        }
      } catch (error) {
        if (error instanceof ConfigurationError) throw error;
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
