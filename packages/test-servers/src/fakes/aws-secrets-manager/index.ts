import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A wire-level FAKE of AWS Secrets Manager, for tests only (no offline emulator exists). It speaks the service's
 * awsJson1_1 protocol: `POST /` with `X-Amz-Target: secretsmanager.GetSecretValue` and a JSON body
 * `{ SecretId, VersionId?, VersionStage? }`; success returns `{ ARN, Name, VersionId, SecretString | SecretBinary
 * (base64), VersionStages, CreatedDate }`; errors are HTTP 400 with `{ "__type": "ResourceNotFoundException",
 * "message": ... }` (also `AccessDeniedException`, `UnrecognizedClientException`, `InvalidRequestException`).
 * The SigV4 signature is not verified; the access key id in `Authorization` selects the caller's grants.
 * Secrets are written by the test through {@link FakeSecretsManager.putSecretValue}, which moves staging labels the
 * way the real PutSecretValue does (new version AWSCURRENT, the old current AWSPREVIOUS).
 */
export interface FakeSecretsManager {
  /** `http://127.0.0.1:PORT`, the client's `endpoint`. */
  readonly endpoint: string;
  /** Region used in ARNs (any value the client is configured with works). */
  readonly region: string;
  /** Every request received, oldest first. */
  readonly requests: readonly FakeSecretsManagerRequest[];
  /**
   * Adds a version of a secret (creating the secret on first use) and makes it AWSCURRENT; the former AWSCURRENT
   * becomes AWSPREVIOUS. Returns the new VersionId.
   */
  putSecretValue(name: string, value: { secretString?: string; secretBinary?: Uint8Array }): string;
  /** Test-side rotation: same as {@link putSecretValue} (what a rotation Lambda's finishSecret step ends with). */
  rotate(name: string, value: { secretString?: string; secretBinary?: Uint8Array }): string;
  /** Marks a secret as scheduled for deletion: reads then fail with InvalidRequestException, as in AWS. */
  scheduleDeletion(name: string): void;
  /** Adds an access key id; `secrets` (names) limits what it may read, absent = everything. */
  addAccessKey(accessKeyId: string, options?: { secrets?: string[] }): void;
  /** Stops the server. */
  close(): Promise<void>;
}

/** One request the fake received. */
export interface FakeSecretsManagerRequest {
  readonly target: string;
  readonly body: Record<string, unknown>;
  readonly accessKeyId: string | undefined;
}

interface Version {
  id: string;
  secretString: string | undefined;
  secretBinary: Buffer | undefined;
  stages: Set<string>;
  created: number;
}

interface Secret {
  name: string;
  arn: string;
  versions: Version[];
  deleted: boolean;
}

/** Options for {@link startFakeSecretsManager}. */
export interface FakeSecretsManagerOptions {
  /** Access key id allowed to read every secret. Default `AKIDFAKE`. */
  accessKeyId?: string;
  /** Region for ARNs. Default `us-east-1`. */
  region?: string;
}

class AwsError extends Error {
  constructor(
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

/** Starts the Secrets Manager fake on a free loopback port. */
export async function startFakeSecretsManager(options: FakeSecretsManagerOptions = {}): Promise<FakeSecretsManager> {
  const region = options.region ?? 'us-east-1';
  const secrets = new Map<string, Secret>();
  const grants = new Map<string, string[] | undefined>([[options.accessKeyId ?? 'AKIDFAKE', undefined]]);
  const requests: FakeSecretsManagerRequest[] = [];

  function find(secretId: unknown): Secret {
    if (typeof secretId !== 'string' || secretId === '') {
      throw new AwsError(
        'InvalidParameterException',
        'Invalid name. Must be a valid name containing alphanumeric characters, or any of the following: -/_+=.@!',
      );
    }
    for (const secret of secrets.values()) {
      if (secret.name === secretId || secret.arn === secretId) return secret;
    }
    throw new AwsError('ResourceNotFoundException', "Secrets Manager can't find the specified secret.");
  }

  function getSecretValue(body: Record<string, unknown>, accessKeyId: string | undefined): unknown {
    if (!accessKeyId || !grants.has(accessKeyId)) {
      throw new AwsError('UnrecognizedClientException', 'The security token included in the request is invalid.');
    }
    const allowed = grants.get(accessKeyId);
    const name = typeof body.SecretId === 'string' ? body.SecretId : '';
    if (allowed && !allowed.some((n) => n === name || name.endsWith(`:secret:${n}`) || secrets.get(n)?.arn === name)) {
      throw new AwsError(
        'AccessDeniedException',
        `User: arn:aws:iam::123456789012:user/${accessKeyId} is not authorized to perform: secretsmanager:GetSecretValue on resource: ${name} because no identity-based policy allows the secretsmanager:GetSecretValue action`,
      );
    }
    const secret = find(body.SecretId);
    if (secret.deleted) {
      throw new AwsError(
        'InvalidRequestException',
        "You can't perform this operation on the secret because it was marked for deletion.",
      );
    }
    let version: Version | undefined;
    if (typeof body.VersionId === 'string') {
      version = secret.versions.find((v) => v.id === body.VersionId);
      if (version && typeof body.VersionStage === 'string' && !version.stages.has(body.VersionStage)) {
        throw new AwsError('InvalidRequestException', 'The VersionId and VersionStage do not match.');
      }
    } else {
      const stage = typeof body.VersionStage === 'string' ? body.VersionStage : 'AWSCURRENT';
      version = secret.versions.find((v) => v.stages.has(stage));
      if (!version) {
        throw new AwsError(
          'ResourceNotFoundException',
          `Secrets Manager can't find the specified secret value for staging label: ${stage}`,
        );
      }
    }
    if (!version) {
      throw new AwsError(
        'ResourceNotFoundException',
        "Secrets Manager can't find the specified secret value for VersionId.",
      );
    }
    return {
      ARN: secret.arn,
      Name: secret.name,
      VersionId: version.id,
      ...(version.secretString !== undefined ? { SecretString: version.secretString } : {}),
      ...(version.secretBinary !== undefined ? { SecretBinary: version.secretBinary.toString('base64') } : {}),
      VersionStages: [...version.stages],
      CreatedDate: version.created,
    };
  }

  function reply(res: ServerResponse, status: number, body: unknown): void {
    const text = JSON.stringify(body);
    res.writeHead(status, {
      'content-type': 'application/x-amz-json-1.1',
      'content-length': Buffer.byteLength(text),
      'x-amzn-requestid': randomUUID(),
    });
    res.end(text);
  }

  function handle(req: IncomingMessage, res: ServerResponse, raw: string): void {
    const target = String(req.headers['x-amz-target'] ?? '');
    const auth = String(req.headers.authorization ?? '');
    const accessKeyId = /Credential=([^/,\s]+)\//.exec(auth)?.[1];
    let body: Record<string, unknown> = {};
    try {
      body = raw === '' ? {} : (JSON.parse(raw) as Record<string, unknown>);
    } catch {
      requests.push({ target, body, accessKeyId });
      reply(res, 400, { __type: 'SerializationException', message: 'Malformed JSON body.' });
      return;
    }
    requests.push({ target, body, accessKeyId });
    if (req.method !== 'POST' || req.url !== '/') {
      reply(res, 404, { __type: 'UnknownOperationException' });
      return;
    }
    try {
      if (target !== 'secretsmanager.GetSecretValue') {
        throw new AwsError('UnknownOperationException', `The fake does not implement ${target}.`);
      }
      reply(res, 200, getSecretValue(body, accessKeyId));
    } catch (error) {
      if (!(error instanceof AwsError)) throw error;
      reply(res, 400, { __type: error.type, message: error.message });
    }
  }

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => handle(req, res, Buffer.concat(chunks).toString('utf8')));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  function putSecretValue(name: string, value: { secretString?: string; secretBinary?: Uint8Array }): string {
    let secret = secrets.get(name);
    if (!secret) {
      const suffix = randomUUID().replace(/-/g, '').slice(0, 6);
      secret = {
        name,
        arn: `arn:aws:secretsmanager:${region}:123456789012:secret:${name}-${suffix}`,
        versions: [],
        deleted: false,
      };
      secrets.set(name, secret);
    }
    for (const version of secret.versions) version.stages.delete('AWSPREVIOUS');
    for (const version of secret.versions) {
      if (version.stages.delete('AWSCURRENT')) version.stages.add('AWSPREVIOUS');
    }
    const id = randomUUID();
    secret.versions.push({
      id,
      secretString: value.secretString,
      secretBinary: value.secretBinary ? Buffer.from(value.secretBinary) : undefined,
      stages: new Set(['AWSCURRENT']),
      created: Math.floor(Date.now() / 1000),
    });
    return id;
  }

  return {
    endpoint: `http://127.0.0.1:${port}`,
    region,
    requests,
    putSecretValue,
    rotate: putSecretValue,
    scheduleDeletion(name) {
      const secret = secrets.get(name);
      if (!secret) throw new Error(`fake secrets manager: no secret ${name}`);
      secret.deleted = true;
    },
    addAccessKey(accessKeyId, grant = {}) {
      grants.set(accessKeyId, grant.secrets);
    },
    close() {
      server.closeAllConnections();
      return new Promise((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
    },
  };
}
