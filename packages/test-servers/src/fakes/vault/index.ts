import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A wire-level FAKE of HashiCorp Vault's KV version 2 secrets engine, for tests only (Vault is neither in Debian nor
 * on npm, so no real server can start here). It answers `GET /v1/{mount}/data/{path}[?version=N]` the way Vault's
 * HTTP API documents it: `X-Vault-Token` required (403 `{"errors":["permission denied"]}` otherwise), optional
 * `X-Vault-Namespace`, 404 `{"errors":[]}` for a path that was never written, 404 with the version's metadata and
 * `data: null` for a deleted or destroyed version, and `{ data: { data, metadata } }` on success.
 * Writes are done by the test through {@link FakeVault.put}, not over HTTP.
 */
export interface FakeVault {
  /** `http://127.0.0.1:PORT`, the value for the `address` option (Vault's `VAULT_ADDR`). */
  readonly address: string;
  /** Every request received, oldest first (method, path with query, whether a token was sent). */
  readonly requests: readonly FakeVaultRequest[];
  /**
   * Writes a new version of `mount/path` (like `vault kv put`), in `namespace` when given (Vault Enterprise
   * namespaces); returns its version number (1, 2, ...).
   */
  put(mount: string, path: string, data: Record<string, string>, namespace?: string): number;
  /** Soft-deletes one version (like `vault kv delete -versions=N`): reads of it then 404 with its metadata. */
  deleteVersion(mount: string, path: string, version: number, namespace?: string): void;
  /** Adds a token; `paths` (for example `['secret/data/app']`) limits what it may read, absent = everything. */
  addToken(token: string, options?: { paths?: string[]; namespace?: string }): void;
  /** Makes the server answer 503 `{"errors":["Vault is sealed"]}` until unsealed. */
  setSealed(sealed: boolean): void;
  /** Stops the server. */
  close(): Promise<void>;
}

/** One request the fake received. */
export interface FakeVaultRequest {
  readonly method: string;
  readonly url: string;
  readonly namespace: string | undefined;
  readonly hadToken: boolean;
}

interface StoredVersion {
  data: Record<string, string>;
  created: string;
  deleted: string;
}

interface TokenGrant {
  paths: string[] | undefined;
  namespace: string | undefined;
}

/** Options for {@link startFakeVault}. */
export interface FakeVaultOptions {
  /** A token valid for every path (added with {@link FakeVault.addToken}); more can be added later. */
  rootToken?: string;
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** Starts the Vault KV v2 fake on a free loopback port. */
export async function startFakeVault(options: FakeVaultOptions = {}): Promise<FakeVault> {
  const secrets = new Map<string, StoredVersion[]>();
  const tokens = new Map<string, TokenGrant>();
  const requests: FakeVaultRequest[] = [];
  let sealed = false;
  const keyOf = (mount: string, path: string, namespace?: string) => `${namespace ?? ''}|${mount}|${path}`;
  if (options.rootToken) tokens.set(options.rootToken, { paths: undefined, namespace: undefined });

  function handle(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? '/', 'http://fake');
    const token = req.headers['x-vault-token'];
    const namespaceHeader = req.headers['x-vault-namespace'];
    const namespace = typeof namespaceHeader === 'string' && namespaceHeader !== '' ? namespaceHeader : undefined;
    requests.push({ method: req.method ?? '', url: req.url ?? '', namespace, hadToken: typeof token === 'string' });
    if (sealed) return send(res, 503, { errors: ['Vault is sealed'] });
    if (req.method !== 'GET') return send(res, 405, { errors: [] });
    // KV v2 reads live under /v1/{mount}/data/{path}; the mount is the first segment in this fake.
    const match = /^\/v1\/([^/]+)\/data\/(.+)$/.exec(url.pathname);
    if (!match) return send(res, 404, { errors: [] });
    const mount = decodeURIComponent(match[1]!);
    const path = decodeURIComponent(match[2]!);
    const grant = typeof token === 'string' ? tokens.get(token) : undefined;
    const policyPath = `${mount}/data/${path}`;
    if (!grant || grant.namespace !== namespace || (grant.paths && !grant.paths.includes(policyPath))) {
      return send(res, 403, { errors: ['permission denied'] });
    }
    const versions = secrets.get(keyOf(mount, path, namespace));
    if (!versions || versions.length === 0) return send(res, 404, { errors: [] });
    const versionParam = url.searchParams.get('version');
    const wanted = versionParam && versionParam !== '0' ? Number(versionParam) : versions.length;
    const stored = Number.isInteger(wanted) ? versions[wanted - 1] : undefined;
    if (!stored) return send(res, 404, { errors: [] });
    const metadata = {
      created_time: stored.created,
      custom_metadata: null,
      deletion_time: stored.deleted,
      destroyed: false,
      version: wanted,
    };
    const envelope = {
      request_id: randomUUID(),
      lease_id: '',
      renewable: false,
      lease_duration: 0,
      wrap_info: null,
      warnings: null,
      auth: null,
    };
    if (stored.deleted) return send(res, 404, { ...envelope, data: { data: null, metadata } });
    send(res, 200, { ...envelope, data: { data: stored.data, metadata } });
  }

  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => handle(req, res));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    address: `http://127.0.0.1:${port}`,
    requests,
    put(mount, path, data, namespace) {
      const key = keyOf(mount, path, namespace);
      const versions = secrets.get(key) ?? [];
      versions.push({ data: { ...data }, created: new Date().toISOString(), deleted: '' });
      secrets.set(key, versions);
      return versions.length;
    },
    deleteVersion(mount, path, version, namespace) {
      const stored = secrets.get(keyOf(mount, path, namespace))?.[version - 1];
      if (!stored) throw new Error(`fake vault: ${mount}/${path} has no version ${version}`);
      stored.deleted = new Date().toISOString();
    },
    addToken(token, grant = {}) {
      tokens.set(token, { paths: grant.paths, namespace: grant.namespace });
    },
    setSealed(value) {
      sealed = value;
    },
    close() {
      server.closeAllConnections();
      return new Promise((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
    },
  };
}
