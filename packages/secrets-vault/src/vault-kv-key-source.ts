import {
  assertValidKid,
  ConfigurationError,
  type KeyringMaterial,
  type KeySource,
  type KeyVersion,
  keyFromSecret,
  StoreUnavailableError,
} from '@oauth-store/core';
import type { VaultKvKeySourceOptions } from './options';

const SOURCE = 'secrets-vault';
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);

/** One version read from Vault, or a marker that it was deleted or destroyed. */
type VersionRead = { kind: 'live'; version: number; value: string } | { kind: 'gone'; version: number };

function fail(message: string, cause?: unknown): ConfigurationError {
  return new ConfigurationError(message, { source: SOURCE, cause });
}

function checkOptions(options: VaultKvKeySourceOptions): URL {
  let address: URL;
  try {
    address = new URL(options.address);
  } catch (error) {
    throw fail('`address` is not a URL. Set it to Vault\'s address, for example "https://vault.internal:8200".', error);
  }
  if (address.protocol !== 'https:' && address.protocol !== 'http:') {
    throw fail("`address` must be an https:// URL (Vault's VAULT_ADDR).");
  }
  if (address.protocol === 'http:' && !LOOPBACK.has(address.hostname) && !options.allowInsecureHttp) {
    throw fail(
      '`address` uses plain http to a non-loopback host, which would send the Vault token and the key in clear. Use https (or set allowInsecureHttp for a lab setup).',
    );
  }
  if ((options.token === undefined) === (options.tokenProvider === undefined)) {
    throw fail('give exactly one of `token` or `tokenProvider`.');
  }
  if (typeof options.path !== 'string' || options.path.replace(/^\/+|\/+$/g, '') === '') {
    throw fail('`path` is required: the secret\'s path inside the KV v2 mount, for example "oauth-store/kek".');
  }
  const previous = options.previousVersions ?? 1;
  if (!Number.isInteger(previous) || previous < 0 || previous > 100) {
    throw fail('`previousVersions` must be an integer from 0 to 100.');
  }
  const timeout = options.timeoutMs ?? 10_000;
  if (!Number.isFinite(timeout) || timeout <= 0) throw fail('`timeoutMs` must be a positive number.');
  return address;
}

/**
 * A {@link KeySource} reading the key-encryption key from a HashiCorp Vault (or OpenBao) KV version 2 secret over
 * Vault's HTTP API. The current version is the primary key; up to `previousVersions` earlier versions are
 * decrypt-only, so writing a new version (`vault kv put`) rotates the key without making older records unreadable.
 * The kid is `vault:{mount}/{path}@{version}`.
 *
 * Each `load()` makes 1 + `previousVersions` GET requests (fewer while the secret has fewer versions) and nothing
 * else; the envelope wrapper calls it at start-up and on its refresh interval.
 */
export function vaultKvKeySource(options: VaultKvKeySourceOptions): KeySource {
  const address = checkOptions(options);
  const mount = (options.mount ?? 'secret').replace(/^\/+|\/+$/g, '');
  const path = options.path.replace(/^\/+|\/+$/g, '');
  const field = options.field ?? 'key';
  const previousVersions = options.previousVersions ?? 1;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const doFetch = options.fetch ?? globalThis.fetch;
  const description = `vault kv ${mount}/${path}`;
  const base = address.href.replace(/\/+$/, '');
  const encodedPath = path.split('/').map(encodeURIComponent).join('/');
  const capability = `path "${mount}/data/${path}" { capabilities = ["read"] }`;

  async function token(): Promise<string> {
    if (options.token !== undefined) return options.token;
    let value: string;
    try {
      value = await options.tokenProvider!();
    } catch (error) {
      throw fail(`the tokenProvider for ${description} failed; fix the token source.`, error);
    }
    if (typeof value !== 'string' || value === '') {
      throw fail(`the tokenProvider for ${description} returned no token.`);
    }
    return value;
  }

  async function read(vaultToken: string, version?: number): Promise<VersionRead> {
    const url = `${base}/v1/${encodeURIComponent(mount)}/data/${encodedPath}${version ? `?version=${version}` : ''}`;
    const headers: Record<string, string> = { 'X-Vault-Token': vaultToken, 'X-Vault-Request': 'true' };
    if (options.namespace) headers['X-Vault-Namespace'] = options.namespace;
    const which = version ? `${description} version ${version}` : description;
    let response: Response;
    let text: string;
    const signal = AbortSignal.timeout(timeoutMs);
    try {
      response = await doFetch(url, { headers, redirect: 'manual', signal });
      text = await response.text();
    } catch (error) {
      // Checked on the signal, not the error's class: the abort error is a DOMException from another realm in some
      // runtimes (and test sandboxes), so `instanceof` is unreliable.
      throw new StoreUnavailableError(
        signal.aborted
          ? `Vault did not answer reading ${which} within ${timeoutMs} ms. Check that ${address.origin} is reachable, or raise timeoutMs.`
          : `could not reach Vault at ${address.origin} to read ${which}. Check the address and the network.`,
        { source: SOURCE, cause: error },
      );
    }
    let body: unknown;
    try {
      body = text === '' ? undefined : JSON.parse(text);
    } catch {
      body = undefined;
    }
    const vaultErrors = Array.isArray((body as { errors?: unknown } | undefined)?.errors)
      ? (body as { errors: unknown[] }).errors.filter((e): e is string => typeof e === 'string')
      : [];
    const said = vaultErrors.length > 0 ? ` Vault said: ${vaultErrors.join('; ').slice(0, 200)}.` : '';
    const data = (body as { data?: { data?: unknown; metadata?: { version?: unknown } } } | undefined)?.data;
    const status = response.status;
    if (status === 200 || status === 404) {
      if (status === 404 && !data?.metadata) {
        if (version) return { kind: 'gone', version };
        throw fail(
          `${description} was not found. Check that ${mount} is a KV version 2 mount and the path is right, then create the secret: vault kv put -mount=${mount} ${path} ${field}=$(openssl rand -base64 32)`,
        );
      }
      const got = data?.metadata?.version;
      if (typeof got !== 'number' || !Number.isInteger(got) || got < 1) {
        throw fail(`${which}: Vault's answer has no version number. Check that ${mount} is a KV version 2 mount.`);
      }
      if (data?.data === null || data?.data === undefined) return { kind: 'gone', version: got };
      const value = (data.data as Record<string, unknown>)[field];
      if (typeof value !== 'string') {
        throw fail(`${which} has no string field "${field}". Store the key under "${field}" or set the field option.`);
      }
      if (value.trim() === '') {
        throw fail(
          `${which} field "${field}" is empty. Write a key: vault kv put -mount=${mount} ${path} ${field}=$(openssl rand -base64 32)`,
        );
      }
      return { kind: 'live', version: got, value };
    }
    if (status === 401 || status === 403) {
      throw fail(
        `permission denied reading ${which}. Give the token a policy with ${capability}${options.namespace ? ` in namespace ${options.namespace}` : ''}, and check that the token is valid and not expired.`,
      );
    }
    if (status >= 300 && status < 400) {
      throw fail(
        `Vault answered reading ${which} with a redirect (${status}). Point address at the active node or its load balancer.`,
      );
    }
    if (status === 429 || status === 412 || status >= 500) {
      throw new StoreUnavailableError(`Vault could not serve ${which} (HTTP ${status}).${said} Retry later.`, {
        source: SOURCE,
      });
    }
    throw fail(`Vault rejected reading ${which} (HTTP ${status}).${said} Check the mount, path and namespace.`);
  }

  function toKey(read: VersionRead & { kind: 'live' }): KeyVersion {
    const kid = `vault:${mount}/${path}@${read.version}`;
    assertValidKid(kid, `the kid derived from ${description} (shorten the mount or path to fit 255 characters)`);
    return {
      kid,
      key: keyFromSecret(read.value, options.encoding, `${description} version ${read.version} field "${field}"`),
    };
  }

  return {
    description,
    async load(): Promise<KeyringMaterial> {
      const vaultToken = await token();
      const current = await read(vaultToken);
      if (current.kind === 'gone') {
        throw fail(
          `the current version (${current.version}) of ${description} is deleted or destroyed. Undelete it (vault kv undelete) or write a new version.`,
        );
      }
      const primary = toKey(current);
      const decryptOnly: KeyVersion[] = [];
      for (
        let version = current.version - 1;
        version >= 1 && version >= current.version - previousVersions;
        version--
      ) {
        const older = await read(vaultToken, version);
        if (older.kind === 'live') decryptOnly.push(toKey(older));
      }
      return { primary, decryptOnly };
    },
  };
}
