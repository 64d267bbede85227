import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

/**
 * A wire-level FAKE of Google Cloud Secret Manager (API v1), for tests only (no offline emulator exists). It is a
 * `@grpc/grpc-js` server built from the SDK's own protos (`@google-cloud/secret-manager`'s `build/protos` plus
 * google-gax's common protos), so the real `SecretManagerServiceClient` talks to it over real gRPC. It implements
 * AccessSecretVersion, GetSecretVersion, ListSecretVersions (newest first, `state:ENABLED` / `state:DISABLED` filters,
 * paging) and AddSecretVersion; other methods answer UNIMPLEMENTED. Like the real service it returns resource names
 * with the project NUMBER, resolves the `latest` alias to the newest version, and answers NOT_FOUND, PERMISSION_DENIED
 * and FAILED_PRECONDITION (disabled or destroyed version) with the service's messages.
 */
export interface FakeSecretManager {
  /** Host for the client's `apiEndpoint` (`127.0.0.1`). */
  readonly host: string;
  /** Port for the client's `port`. */
  readonly port: number;
  /** Every call received, oldest first (method name and request). */
  readonly calls: readonly FakeSecretManagerCall[];
  /**
   * Adds a version to `projects/{p}/secrets/{s}` (creating the secret on first use) and returns the new version's
   * full name (with the project number), like AddSecretVersion.
   */
  addSecretVersion(secret: string, data: Uint8Array | string): string;
  /** Sets a version's state (`projects/{p}/secrets/{s}/versions/{n}`), like Disable/Enable/DestroySecretVersion. */
  setVersionState(version: string, state: 'ENABLED' | 'DISABLED' | 'DESTROYED'): void;
  /**
   * Makes calls on this secret (and its versions) that need one of `permissions` (for example
   * `secretmanager.versions.list`; default: every permission) answer PERMISSION_DENIED, as when IAM denies the caller.
   */
  deny(secret: string, permissions?: readonly string[] | 'all'): void;
  /** Undoes {@link deny}. */
  allow(secret: string): void;
  /** Stops the server. */
  close(): Promise<void>;
}

/** One call the fake received. */
export interface FakeSecretManagerCall {
  readonly method: string;
  readonly request: Record<string, unknown>;
}

/** Options for {@link startFakeSecretManager}. */
export interface FakeSecretManagerOptions {
  /** Project id to project number, used in the names the fake returns (as the real service does). */
  projects?: Record<string, string>;
}

interface Version {
  number: number;
  data: Buffer;
  state: 'ENABLED' | 'DISABLED' | 'DESTROYED';
  created: Date;
  destroyed: Date | undefined;
}

interface Secret {
  name: string;
  versions: Version[];
  denied: readonly string[] | 'all' | undefined;
}

type Handler = (
  call: grpc.ServerUnaryCall<Record<string, unknown>, unknown>,
  done: grpc.sendUnaryData<unknown>,
) => void;

class RpcError extends Error {
  constructor(
    readonly code: grpc.status,
    message: string,
  ) {
    super(message);
  }
}

const SECRET = /^projects\/([^/]+)\/(?:locations\/([^/]+)\/)?secrets\/([^/]+)$/;
const VERSION = /^(projects\/[^/]+\/(?:locations\/[^/]+\/)?secrets\/[^/]+)\/versions\/([^/]+)$/;

/**
 * The SecretManagerService definition loaded from the installed SDK's own protos; the fake serves it, and tests can
 * build a raw gRPC client from it with `grpc.makeGenericClientConstructor`.
 */
export function loadSecretManagerService(): grpc.ServiceDefinition {
  // The SDK's own protos, found next to the installed SDK, and the google-gax version that SDK uses.
  const require = createRequire(import.meta.url);
  const sdkMain = require.resolve('@google-cloud/secret-manager');
  const gaxMain = createRequire(sdkMain).resolve('google-gax');
  const definition = protoLoader.loadSync('google/cloud/secretmanager/v1/service.proto', {
    includeDirs: [join(dirname(sdkMain), '..', 'protos'), join(dirname(gaxMain), '..', '..', 'build', 'protos')],
    keepCase: false,
    longs: String,
    enums: String,
    defaults: false,
    oneofs: true,
  });
  const pkg = grpc.loadPackageDefinition(definition) as unknown as {
    google: { cloud: { secretmanager: { v1: { SecretManagerService: grpc.ServiceClientConstructor } } } };
  };
  return pkg.google.cloud.secretmanager.v1.SecretManagerService.service;
}

function timestamp(date: Date): { seconds: string; nanos: number } {
  return { seconds: String(Math.floor(date.getTime() / 1000)), nanos: (date.getTime() % 1000) * 1_000_000 };
}

/** Starts the Secret Manager fake on a free loopback port. */
export async function startFakeSecretManager(options: FakeSecretManagerOptions = {}): Promise<FakeSecretManager> {
  const projects = options.projects ?? {};
  const secrets = new Map<string, Secret>();
  const calls: FakeSecretManagerCall[] = [];

  /** Canonical secret name: the project id replaced by its number, as the service returns it. */
  function canonicalSecret(name: string): string {
    const match = SECRET.exec(name);
    if (!match) throw new RpcError(grpc.status.INVALID_ARGUMENT, `Invalid resource field value in the request.`);
    const [, project, location, id] = match;
    const number = projects[project!] ?? project!;
    return `projects/${number}/${location ? `locations/${location}/` : ''}secrets/${id}`;
  }

  function secretFor(name: string, permission: string, resource = name): Secret {
    const canonical = canonicalSecret(name);
    const secret = secrets.get(canonical);
    if (secret?.denied === 'all' || secret?.denied?.includes(permission)) {
      throw new RpcError(
        grpc.status.PERMISSION_DENIED,
        `Permission '${permission}' denied for resource '${resource}' (or it may not exist).`,
      );
    }
    if (!secret) throw new RpcError(grpc.status.NOT_FOUND, `Secret [${canonical}] not found or has no versions.`);
    return secret;
  }

  function versionFor(name: unknown, permission: string): { secret: Secret; version: Version } {
    const match = typeof name === 'string' ? VERSION.exec(name) : null;
    if (!match) throw new RpcError(grpc.status.INVALID_ARGUMENT, 'Invalid resource field value in the request.');
    const secret = secretFor(match[1]!, permission, name as string);
    const which = match[2]!;
    const version =
      which === 'latest'
        ? secret.versions.at(-1)
        : /^\d+$/.test(which)
          ? secret.versions[Number(which) - 1]
          : undefined;
    if (!version) {
      throw new RpcError(
        which === 'latest' || /^\d+$/.test(which) ? grpc.status.NOT_FOUND : grpc.status.INVALID_ARGUMENT,
        which === 'latest'
          ? `Secret [${secret.name}] not found or has no versions.`
          : `Secret Version [${secret.name}/versions/${which}] not found.`,
      );
    }
    return { secret, version };
  }

  function describe(secret: Secret, version: Version): Record<string, unknown> {
    return {
      name: `${secret.name}/versions/${version.number}`,
      createTime: timestamp(version.created),
      ...(version.destroyed ? { destroyTime: timestamp(version.destroyed) } : {}),
      state: version.state,
      etag: `"${version.number}-${version.state}"`,
      clientSpecifiedPayloadChecksum: false,
    };
  }

  const handlers: Record<string, (request: Record<string, unknown>) => unknown> = {
    accessSecretVersion(request) {
      const { secret, version } = versionFor(request.name, 'secretmanager.versions.access');
      if (version.state !== 'ENABLED') {
        throw new RpcError(
          grpc.status.FAILED_PRECONDITION,
          `${secret.name}/versions/${version.number} is in ${version.state} state.`,
        );
      }
      return { name: `${secret.name}/versions/${version.number}`, payload: { data: version.data } };
    },
    getSecretVersion(request) {
      const { secret, version } = versionFor(request.name, 'secretmanager.versions.get');
      return describe(secret, version);
    },
    listSecretVersions(request) {
      const secret = secretFor(String(request.parent ?? ''), 'secretmanager.versions.list');
      const filter = typeof request.filter === 'string' ? request.filter.trim() : '';
      const stateFilter = /^state\s*[:=]\s*(ENABLED|DISABLED|DESTROYED)$/.exec(filter)?.[1];
      if (filter !== '' && !stateFilter) {
        throw new RpcError(
          grpc.status.INVALID_ARGUMENT,
          'The fake only understands filters of the form state:ENABLED.',
        );
      }
      const matching = [...secret.versions].reverse().filter((v) => !stateFilter || v.state === stateFilter);
      const size = Math.min(Math.max(Number(request.pageSize ?? 0) || 25_000, 1), 25_000);
      const start = request.pageToken ? Number(Buffer.from(String(request.pageToken), 'base64url').toString()) : 0;
      const page = matching.slice(start, start + size);
      const next = start + size < matching.length ? Buffer.from(String(start + size)).toString('base64url') : '';
      return { versions: page.map((v) => describe(secret, v)), nextPageToken: next, totalSize: matching.length };
    },
    addSecretVersion(request) {
      const secret = secretFor(String(request.parent ?? ''), 'secretmanager.versions.add');
      const payload = request.payload as { data?: Buffer } | undefined;
      const version = add(secret, payload?.data ?? Buffer.alloc(0));
      return describe(secret, version);
    },
  };

  function add(secret: Secret, data: Buffer): Version {
    const version: Version = {
      number: secret.versions.length + 1,
      data,
      state: 'ENABLED',
      created: new Date(),
      destroyed: undefined,
    };
    secret.versions.push(version);
    return version;
  }

  const implementation: Record<string, Handler> = {};
  for (const [method, handle] of Object.entries(handlers)) {
    const name = method[0]!.toUpperCase() + method.slice(1);
    implementation[name] = (call, done) => {
      calls.push({ method: name, request: call.request });
      try {
        done(null, handle(call.request));
      } catch (error) {
        if (!(error instanceof RpcError)) throw error;
        done({ code: error.code, details: error.message, metadata: new grpc.Metadata() });
      }
    };
  }

  const server = new grpc.Server();
  server.addService(loadSecretManagerService(), implementation);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, bound) =>
      error ? reject(error) : resolve(bound),
    ),
  );

  function existing(secret: string): Secret {
    const canonical = canonicalSecret(secret);
    const found = secrets.get(canonical);
    if (!found) throw new Error(`fake secret manager: no secret ${canonical}`);
    return found;
  }

  return {
    host: '127.0.0.1',
    port,
    calls,
    addSecretVersion(secret, data) {
      const canonical = canonicalSecret(secret);
      let found = secrets.get(canonical);
      if (!found) {
        found = { name: canonical, versions: [], denied: undefined };
        secrets.set(canonical, found);
      }
      const version = add(found, Buffer.from(typeof data === 'string' ? Buffer.from(data, 'utf8') : data));
      return `${canonical}/versions/${version.number}`;
    },
    setVersionState(name, state) {
      const match = VERSION.exec(name);
      const version = match ? existing(match[1]!).versions[Number(match[2]) - 1] : undefined;
      if (!version) throw new Error(`fake secret manager: no version ${name}`);
      version.state = state;
      if (state === 'DESTROYED') {
        version.destroyed = new Date();
        version.data = Buffer.alloc(0);
      }
    },
    deny(secret, permissions = 'all') {
      existing(secret).denied = permissions;
    },
    allow(secret) {
      existing(secret).denied = undefined;
    },
    close() {
      return new Promise((resolve) => {
        server.tryShutdown(() => resolve());
        // Calls still open (a client that never hung up) must not keep the test waiting.
        setTimeout(() => server.forceShutdown(), 1_000).unref();
      });
    },
  };
}
