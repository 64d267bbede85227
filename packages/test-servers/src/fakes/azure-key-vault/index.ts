import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { generate } from 'selfsigned';

/**
 * A wire-level FAKE of the Azure Key Vault secrets data plane, for tests only (no offline emulator exists). It serves
 * HTTPS on loopback with a throwaway self-signed certificate (the SDK refuses bearer tokens over plain HTTP), and
 * follows the documented REST API:
 * - the Key Vault challenge: a request without `Authorization` gets 401 with
 *   `WWW-Authenticate: Bearer authorization="https://login.microsoftonline.com/{tenant}", resource="https://vault.azure.net"`;
 *   a wrong bearer token gets 401 too;
 * - `GET /secrets/{name}[/{version}]?api-version=...` returns `{ value, id, attributes, contentType?, tags? }`;
 * - `GET /secrets/{name}/versions?api-version=...[&maxresults=N]` returns `{ value: [...], nextLink }` (order not by
 *   date, as in Azure);
 * - errors as `{ "error": { "code", "message", "innererror"? } }`: 404 SecretNotFound, 403 Forbidden (AccessDenied, or
 *   SecretDisabled for a disabled version), 400 BadParameter without api-version.
 * Because the vault URL is `https://127.0.0.1:PORT`, clients need `disableChallengeResourceVerification: true` (the
 * challenge's resource, vault.azure.net, is not a parent domain of 127.0.0.1) and must trust {@link FakeKeyVault.ca}.
 */
export interface FakeKeyVault {
  /** `https://127.0.0.1:PORT`, the client's vault URL. */
  readonly vaultUrl: string;
  /** PEM certificate of the server, to trust in the client (for example `tlsOptions: { ca }`). */
  readonly ca: string;
  /** The bearer token the fake accepts (give it from the test's TokenCredential). */
  readonly token: string;
  /** Every request received, oldest first. */
  readonly requests: readonly FakeKeyVaultRequest[];
  /** Adds a version of a secret (creating it on first use), like SetSecret; returns the 32-hex-digit version id. */
  setSecret(name: string, value: string, options?: { enabled?: boolean; contentType?: string }): string;
  /** Enables or disables one version, like UpdateSecret with `attributes.enabled`. */
  setEnabled(name: string, version: string, enabled: boolean): void;
  /** Makes the secret's operations named in `operations` (`get`, `list`; default both) answer 403 Forbidden. */
  deny(name: string, operations?: readonly ('get' | 'list')[]): void;
  /** Stops the server. */
  close(): Promise<void>;
}

/** One request the fake received. */
export interface FakeKeyVaultRequest {
  readonly method: string;
  readonly path: string;
  readonly apiVersion: string | null;
  /** `none` (the challenge round trip), `valid` or `invalid` bearer token. */
  readonly auth: 'none' | 'valid' | 'invalid';
}

/** Options for {@link startFakeKeyVault}. */
export interface FakeKeyVaultOptions {
  /** Accepted bearer token. Default: random. */
  token?: string;
  /** Tenant id in the challenge's authorization URL. Default `00000000-0000-0000-0000-000000000000`. */
  tenantId?: string;
  /** Page size of version listings when the client does not ask for one. Default 25 (Azure's). */
  pageSize?: number;
}

interface Version {
  id: string;
  value: string;
  enabled: boolean;
  contentType: string | undefined;
  created: number;
}

interface Secret {
  versions: Version[];
  denied: Set<string>;
}

/** Starts the Key Vault fake on a free loopback port (HTTPS, self-signed). */
export async function startFakeKeyVault(options: FakeKeyVaultOptions = {}): Promise<FakeKeyVault> {
  const token = options.token ?? randomBytes(16).toString('hex');
  const tenant = options.tenantId ?? '00000000-0000-0000-0000-000000000000';
  const defaultPage = options.pageSize ?? 25;
  const secrets = new Map<string, Secret>();
  const requests: FakeKeyVaultRequest[] = [];
  let clock = 0;
  let base = '';

  const pems = await generate([{ name: 'commonName', value: '127.0.0.1' }], {
    keyType: 'ec',
    algorithm: 'sha256',
    notAfterDate: new Date(Date.now() + 24 * 3600 * 1000),
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }] },
    ],
  });

  function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
    const text = JSON.stringify(body);
    res.writeHead(status, {
      'content-type': 'application/json; charset=utf-8',
      'content-length': Buffer.byteLength(text),
      'x-ms-request-id': randomBytes(16).toString('hex'),
      ...headers,
    });
    res.end(text);
  }

  function error(res: ServerResponse, status: number, code: string, message: string, inner?: string): void {
    send(res, status, { error: { code, message, ...(inner ? { innererror: { code: inner } } : {}) } });
  }

  function bundle(name: string, version: Version, withValue: boolean): Record<string, unknown> {
    return {
      ...(withValue ? { value: version.value } : {}),
      id: `${base}/secrets/${name}/${version.id}`,
      ...(version.contentType ? { contentType: version.contentType } : {}),
      attributes: {
        enabled: version.enabled,
        created: version.created,
        updated: version.created,
        recoveryLevel: 'Recoverable+Purgeable',
        recoverableDays: 90,
      },
      tags: {},
    };
  }

  function handle(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? '/', base);
    const authorization = req.headers.authorization;
    const auth = !authorization ? 'none' : authorization === `Bearer ${token}` ? 'valid' : 'invalid';
    const apiVersion = url.searchParams.get('api-version');
    requests.push({ method: req.method ?? '', path: url.pathname, apiVersion, auth });
    if (auth !== 'valid') {
      res.writeHead(401, {
        'www-authenticate': `Bearer authorization="https://login.microsoftonline.com/${tenant}", resource="https://vault.azure.net"`,
        'content-type': 'application/json; charset=utf-8',
      });
      res.end(
        JSON.stringify({
          error: { code: 'Unauthorized', message: 'AKV10000: Request is missing a Bearer or PoP token.' },
        }),
      );
      return;
    }
    if (!apiVersion) return error(res, 400, 'BadParameter', 'The request URI contains an invalid api-version.');
    const match = /^\/secrets\/([0-9A-Za-z-]+)(?:\/([^/]*))?\/?$/.exec(url.pathname);
    if (req.method !== 'GET' || !match) return error(res, 405, 'BadParameter', 'The fake serves only secret reads.');
    const name = match[1]!;
    const rest = match[2] ?? '';
    const secret = secrets.get(name.toLowerCase());
    const operation = rest === 'versions' ? 'list' : 'get';
    if (secret?.denied.has(operation)) {
      return error(
        res,
        403,
        'Forbidden',
        `The user, group or application 'appid=00000000-0000-0000-0000-000000000001' does not have secrets ${operation} permission on key vault 'fake-vault'.`,
        'AccessDenied',
      );
    }
    if (!secret || secret.versions.length === 0) {
      return error(res, 404, 'SecretNotFound', `A secret with (name/id) ${name} was not found in this key vault.`);
    }
    if (rest === 'versions') {
      // Azure does not list versions by date; sorting by id gives the same "arbitrary but stable" order.
      const all = [...secret.versions].sort((a, b) => a.id.localeCompare(b.id));
      const size = Math.min(Number(url.searchParams.get('maxresults')) || defaultPage, 25);
      const start = Number(url.searchParams.get('$skiptoken') ?? 0) || 0;
      const page = all.slice(start, start + size);
      const next =
        start + size < all.length
          ? `${base}/secrets/${name}/versions?api-version=${apiVersion}&maxresults=${size}&$skiptoken=${start + size}`
          : null;
      return send(res, 200, { value: page.map((v) => bundle(name, v, false)), nextLink: next });
    }
    const version = rest === '' ? secret.versions.at(-1) : secret.versions.find((v) => v.id === rest);
    if (!version) {
      return error(
        res,
        404,
        'SecretNotFound',
        `A secret with (name/id) ${name}/${rest} was not found in this key vault.`,
      );
    }
    if (!version.enabled) {
      return error(res, 403, 'Forbidden', 'Operation get is not allowed on a disabled secret.', 'SecretDisabled');
    }
    send(res, 200, bundle(name, version, true));
  }

  const server = createServer({ key: pems.private, cert: pems.cert }, (req, res) => {
    req.resume();
    req.on('end', () => handle(req, res));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;

  function existing(name: string): Secret {
    const secret = secrets.get(name.toLowerCase());
    if (!secret) throw new Error(`fake key vault: no secret ${name}`);
    return secret;
  }

  return {
    vaultUrl: base,
    ca: pems.cert,
    token,
    requests,
    setSecret(name, value, settings = {}) {
      let secret = secrets.get(name.toLowerCase());
      if (!secret) {
        secret = { versions: [], denied: new Set() };
        secrets.set(name.toLowerCase(), secret);
      }
      // Key Vault timestamps are whole seconds; the fake's clock ticks at least one second per version so that
      // versions created in the same test keep their order.
      clock = Math.max(Math.floor(Date.now() / 1000), clock + 1);
      const id = randomBytes(16).toString('hex');
      secret.versions.push({
        id,
        value,
        enabled: settings.enabled ?? true,
        contentType: settings.contentType,
        created: clock,
      });
      return id;
    },
    setEnabled(name, version, enabled) {
      const found = existing(name).versions.find((v) => v.id === version);
      if (!found) throw new Error(`fake key vault: ${name} has no version ${version}`);
      found.enabled = enabled;
    },
    deny(name, operations = ['get', 'list']) {
      existing(name).denied = new Set(operations);
    },
    close() {
      server.closeAllConnections();
      return new Promise((resolve, reject) => server.close((e) => (e ? reject(e) : resolve())));
    },
  };
}
