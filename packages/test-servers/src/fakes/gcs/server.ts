import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { badRequest, FakeGcsError, notFound, notImplemented } from './errors';
import { FakeGcsFaults } from './faults';
import { hashesOf } from './hashes';
import { parseMultipartRelated } from './multipart';
import { FakeGcsState, type Preconditions, type StoredObject, type UploadMetadata } from './state';

/** A running GCS fake. */
export interface FakeGcs {
  /** Base URL for `new Storage({ apiEndpoint })`, for example `http://127.0.0.1:40123`. */
  readonly endpoint: string;
  /** The loopback port it listens on. */
  readonly port: number;
  /** Direct access to the fake's state, for white-box test hooks (`corrupt`, `objects`). */
  readonly state: FakeGcsState;
  /** One-shot failures to inject into matching requests (lost responses, 503s), for client fault-handling tests. */
  readonly faults: FakeGcsFaults;
  /** Stops listening and drops open connections. */
  close(): Promise<void>;
}

/** Options for {@link startFakeGcs}. */
export interface FakeGcsOptions {
  /** Loopback address to bind. Default `127.0.0.1`. */
  host?: string;
  /** Port; 0 (the default) picks a free one. */
  port?: number;
  /** Buckets to create at start. */
  buckets?: string[];
}

/** An unfinished resumable upload session. */
interface UploadSession {
  bucket: string;
  name: string;
  meta: UploadMetadata;
  pre: Preconditions;
  chunks: Buffer[];
  received: number;
  /** `crc32c`/`md5Hash` the client declared in the session's metadata, checked when the upload completes. */
  declared: { crc32c: unknown; md5Hash: unknown };
  result: StoredObject | undefined;
}

const MAX_BODY_BYTES = 64 * 1024 * 1024;

/**
 * Starts a wire-level FAKE of the Cloud Storage JSON API (https://cloud.google.com/storage/docs/json_api) on loopback:
 * the subset the Node SDK uses to create buckets and to upload (multipart, media and resumable), download, stat,
 * delete and list objects, with generation preconditions. It is a test double written from Google's documentation,
 * not Google's server; anything it does not implement answers 501 saying so.
 */
export async function startFakeGcs(options: FakeGcsOptions = {}): Promise<FakeGcs> {
  const state = new FakeGcsState();
  for (const bucket of options.buckets ?? []) state.createBucket(bucket);
  const sessions = new Map<string, UploadSession>();
  const faults = new FakeGcsFaults();
  const server = createServer((req, res) => {
    if (faults.apply(req, res)) return;
    handle(state, sessions, req, res).catch((error: unknown) => sendError(res, error));
  });
  // Google's front ends keep idle connections open far longer than a client's pool does. With Node's default 5 s here,
  // equal to the client agent's own idle timeout, a request sent on a pooled socket just as the server closed it got
  // ECONNRESET (the contract stress runs hit it; a write then fails, since writes are not retried): not the service.
  server.keepAliveTimeout = 120_000;
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://${host}:${port}`,
    port,
    state,
    faults,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function handle(
  state: FakeGcsState,
  sessions: Map<string, UploadSession>,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://fake');
  const q = url.searchParams;
  // Split the still-encoded path, then decode each segment: object names arrive as one %2F-escaped segment.
  const segments = url.pathname.split('/').slice(1).map(decodeSegment);
  const method = req.method ?? 'GET';
  const body = await readBody(req);
  const base = `http://${req.headers.host ?? 'fake'}`;
  const pre = preconditionsOf(q);

  const [root, ...rest] = segments;
  if (root === 'storage' && rest[0] === 'v1' && rest[1] === 'b') {
    const [bucket, o, ...objectParts] = rest.slice(2);
    if (bucket === undefined) {
      if (method === 'POST') return sendJson(res, 200, bucketResource(state.createBucket(jsonOf(body).name ?? '')));
      throw notImplemented(`${method} /storage/v1/b`);
    }
    if (o === undefined) {
      if (method === 'GET') return sendJson(res, 200, bucketResource(state.getBucket(bucket)));
      if (method === 'DELETE') {
        state.deleteBucket(bucket);
        return sendEmpty(res, 204);
      }
      throw notImplemented(`${method} on a bucket`);
    }
    if (o !== 'o') throw notImplemented(`/storage/v1/b/{bucket}/${o}`);
    if (objectParts.length === 0) {
      if (method !== 'GET') throw notImplemented(`${method} /storage/v1/b/{bucket}/o`);
      return listObjects(state, bucket, q, base, res);
    }
    const name = objectParts.join('/');
    if (method === 'GET') {
      const object = state.get(bucket, name, pre, q.get('generation') ?? undefined);
      return q.get('alt') === 'media' ? sendMedia(req, res, object) : sendJson(res, 200, objectResource(object, base));
    }
    if (method === 'DELETE') {
      state.delete(bucket, name, pre, q.get('generation') ?? undefined);
      return sendEmpty(res, 204);
    }
    throw notImplemented(`${method} on an object`);
  }
  if (root === 'download' && rest[0] === 'storage' && rest[1] === 'v1' && rest[2] === 'b' && rest[4] === 'o') {
    const bucket = rest[3]!;
    const name = rest.slice(5).join('/');
    if (method !== 'GET' || !name) throw notImplemented(`${method} ${url.pathname}`);
    return sendMedia(req, res, state.get(bucket, name, pre, q.get('generation') ?? undefined));
  }
  if (root === 'upload' && rest[0] === 'storage' && rest[1] === 'v1' && rest[2] === 'b' && rest[4] === 'o') {
    return upload(state, sessions, rest[3]!, req, res, body, base);
  }
  throw notFound(`Not Found (the GCS fake has no route for ${method} ${url.pathname})`);
}

async function upload(
  state: FakeGcsState,
  sessions: Map<string, UploadSession>,
  bucket: string,
  req: IncomingMessage,
  res: ServerResponse,
  body: Buffer,
  base: string,
): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://fake');
  const q = url.searchParams;
  const method = req.method ?? 'POST';
  const uploadId = q.get('upload_id');
  if (uploadId !== null) return continueResumable(state, sessions, uploadId, req, res, body, base);
  if (method !== 'POST') throw notImplemented(`${method} on the upload endpoint without upload_id`);
  const pre = preconditionsOf(q);
  const uploadType = q.get('uploadType');
  if (uploadType === 'media') {
    const name = requireName(q.get('name') ?? undefined);
    const meta: UploadMetadata = { contentType: req.headers['content-type'] ?? 'application/octet-stream' };
    return sendJson(res, 200, objectResource(state.insert(bucket, name, body, meta, pre), base));
  }
  if (uploadType === 'multipart') {
    const parts = parseMultipartRelated(req.headers['content-type'], body);
    if (parts.length !== 2) throw badRequest('A multipart upload has exactly two parts: metadata, then media.');
    const [metaPart, mediaPart] = parts as [(typeof parts)[0], (typeof parts)[0]];
    const resource = jsonOf(metaPart.body);
    const name = requireName(q.get('name') ?? resource.name);
    const meta = uploadMetadataOf(resource, mediaPart.headers['content-type']);
    verifyClientHashes(mediaPart.body, resource.crc32c, resource.md5Hash);
    verifyHashHeader(req, mediaPart.body);
    return sendJson(res, 200, objectResource(state.insert(bucket, name, mediaPart.body, meta, pre), base));
  }
  if (uploadType === 'resumable') {
    const resource = body.length > 0 ? jsonOf(body) : {};
    const name = requireName(q.get('name') ?? resource.name);
    const contentType = header(req, 'x-upload-content-type');
    const meta = uploadMetadataOf(resource, contentType);
    // GCS evaluates preconditions when the session starts (fail fast) and again when the object is written.
    state.checkInsert(bucket, name, pre);
    const id = randomUUID().replaceAll('-', '');
    const declared = { crc32c: resource.crc32c, md5Hash: resource.md5Hash };
    sessions.set(id, { bucket, name, meta, pre, declared, chunks: [], received: 0, result: undefined });
    const location = new URL(`${base}/upload/storage/v1/b/${encodeURIComponent(bucket)}/o`);
    location.searchParams.set('uploadType', 'resumable');
    location.searchParams.set('name', name);
    location.searchParams.set('upload_id', id);
    res.setHeader('Location', location.toString());
    return sendEmpty(res, 200);
  }
  throw badRequest(`Unsupported uploadType ${JSON.stringify(uploadType)}.`);
}

/**
 * The second step of a resumable upload: PUT bytes with `Content-Range: bytes S-E/T` (or `bytes S-* /T`, or
 * `bytes * /T` to ask for the status). 308 with `Range: bytes=0-N` while incomplete, 200 with the object when done.
 */
async function continueResumable(
  state: FakeGcsState,
  sessions: Map<string, UploadSession>,
  id: string,
  req: IncomingMessage,
  res: ServerResponse,
  body: Buffer,
  base: string,
): Promise<void> {
  const session = sessions.get(id);
  if (!session) throw notFound('No such upload session.');
  if (req.method === 'DELETE') {
    sessions.delete(id);
    return sendEmpty(res, 499);
  }
  if (req.method !== 'PUT' && req.method !== 'POST') throw notImplemented(`${req.method} on an upload session`);
  if (session.result) return sendJson(res, 200, objectResource(session.result, base));
  const range = header(req, 'content-range');
  const match = range === undefined ? undefined : (/^bytes (\*|(\d+)-(\d+|\*))\/(\d+|\*)$/.exec(range) ?? undefined);
  if (range !== undefined && !match) throw badRequest('Invalid Content-Range.');
  const total = match?.[4] === undefined || match[4] === '*' ? undefined : Number(match[4]);
  if (match && match[1] !== '*') {
    const start = Number(match[2]);
    if (start > session.received) throw badRequest('Content-Range starts past the bytes received so far.');
    // Bytes the server already has are skipped, as after a resumed upload.
    const fresh = body.subarray(session.received - start);
    session.chunks.push(fresh);
    session.received += fresh.length;
  }
  // Done when the total is known and reached, or when the client sent the rest of the stream with no end offset
  // (`bytes S-*/T` or no Content-Range at all).
  const final =
    range === undefined ||
    (total !== undefined && session.received >= total) ||
    (match !== undefined && match[1] !== '*' && match[3] === '*');
  if (!final) {
    if (session.received > 0) res.setHeader('Range', `bytes=0-${session.received - 1}`);
    return sendEmpty(res, 308);
  }
  const data = Buffer.concat(session.chunks);
  if (total !== undefined && data.length !== total) throw badRequest('Upload is shorter than the declared total.');
  verifyClientHashes(data, session.declared.crc32c, session.declared.md5Hash);
  verifyHashHeader(req, data);
  const stored = state.insert(session.bucket, session.name, data, session.meta, session.pre);
  session.result = stored;
  return sendJson(res, 200, objectResource(stored, base));
}

function listObjects(state: FakeGcsState, bucket: string, q: URLSearchParams, base: string, res: ServerResponse) {
  if (q.get('matchGlob') !== null) throw notImplemented('matchGlob');
  const maxResultsText = q.get('maxResults');
  const maxResults = maxResultsText === null ? undefined : Number(maxResultsText);
  if (maxResults !== undefined && !(Number.isInteger(maxResults) && maxResults > 0)) {
    throw badRequest('Invalid value for maxResults.');
  }
  const page = state.list(bucket, {
    prefix: q.get('prefix') ?? undefined,
    delimiter: q.get('delimiter') ?? undefined,
    // The documented cap: at most 1000 entries per page whatever maxResults asks.
    maxResults: Math.min(maxResults ?? 1000, 1000),
    pageToken: q.get('pageToken') ?? undefined,
    startOffset: q.get('startOffset') ?? undefined,
    endOffset: q.get('endOffset') ?? undefined,
  });
  const response: Record<string, unknown> = { kind: 'storage#objects' };
  if (page.nextPageToken !== undefined) response.nextPageToken = page.nextPageToken;
  if (page.prefixes.length > 0) response.prefixes = page.prefixes;
  if (page.items.length > 0) response.items = page.items.map((object) => objectResource(object, base));
  sendJson(res, 200, response);
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw badRequest('Malformed percent-encoding in the request path.');
  }
}

function preconditionsOf(q: URLSearchParams): Preconditions {
  const pre: Preconditions = {};
  for (const key of [
    'ifGenerationMatch',
    'ifGenerationNotMatch',
    'ifMetagenerationMatch',
    'ifMetagenerationNotMatch',
  ] as const) {
    const value = q.get(key);
    if (value !== null) pre[key] = value;
  }
  return pre;
}

// biome-ignore lint/suspicious/noExplicitAny: a parsed JSON request body, validated field by field where used.
function jsonOf(body: Buffer): any {
  try {
    const value = JSON.parse(body.toString('utf8') || '{}');
    if (typeof value !== 'object' || value === null) throw new Error('not an object');
    return value;
  } catch {
    throw badRequest('Request body is not a JSON object.', 'parseError');
  }
}

function requireName(name: unknown): string {
  if (typeof name !== 'string' || name.length === 0) throw badRequest('Required parameter: name', 'required');
  return name;
}

// biome-ignore lint/suspicious/noExplicitAny: see jsonOf.
function uploadMetadataOf(resource: any, mediaContentType: string | undefined): UploadMetadata {
  const meta: UploadMetadata = {
    contentType: typeof resource.contentType === 'string' ? resource.contentType : (mediaContentType ?? undefined),
  };
  if (resource.metadata !== undefined && resource.metadata !== null) {
    if (typeof resource.metadata !== 'object') throw badRequest('metadata must be an object of strings.');
    const metadata: Record<string, string> = {};
    for (const [key, value] of Object.entries(resource.metadata as Record<string, unknown>)) {
      // Custom metadata values are strings on GCS; null removes a key.
      if (value !== null && value !== undefined) metadata[key] = String(value);
    }
    meta.metadata = metadata;
  }
  if (resource.customTime !== undefined && resource.customTime !== null) {
    const time = typeof resource.customTime === 'string' ? Date.parse(resource.customTime) : Number.NaN;
    if (Number.isNaN(time)) throw badRequest('customTime must be an RFC 3339 date-time.');
    meta.customTime = new Date(time).toISOString();
  }
  return meta;
}

/** GCS rejects an upload whose declared `crc32c`/`md5Hash` (in the metadata) do not match the bytes. */
function verifyClientHashes(data: Buffer, crc32c: unknown, md5Hash: unknown): void {
  if (crc32c === undefined && md5Hash === undefined) return;
  const actual = hashesOf(data);
  if ((crc32c !== undefined && crc32c !== actual.crc32c) || (md5Hash !== undefined && md5Hash !== actual.md5Hash)) {
    throw badRequest('Provided hash does not match the uploaded data.');
  }
}

/** Same check for the `X-Goog-Hash: crc32c=...,md5=...` request header. */
function verifyHashHeader(req: IncomingMessage, data: Buffer): void {
  const value = header(req, 'x-goog-hash');
  if (value === undefined) return;
  const declared: Record<string, string> = {};
  for (const pair of value.split(',')) {
    const eq = pair.indexOf('=');
    if (eq > 0) declared[pair.slice(0, eq).trim()] = pair.slice(eq + 1).trim();
  }
  verifyClientHashes(data, declared.crc32c, declared.md5);
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function bucketResource(bucket: { name: string; timeCreated: string }): unknown {
  return {
    kind: 'storage#bucket',
    id: bucket.name,
    name: bucket.name,
    projectNumber: '0',
    metageneration: '1',
    location: 'US',
    storageClass: 'STANDARD',
    timeCreated: bucket.timeCreated,
    updated: bucket.timeCreated,
    etag: 'CAE=',
  };
}

/** The documented object resource (https://cloud.google.com/storage/docs/json_api/v1/objects#resource). */
function objectResource(object: StoredObject, base: string): Record<string, unknown> {
  const path = `b/${encodeURIComponent(object.bucket)}/o/${encodeURIComponent(object.name)}`;
  const resource: Record<string, unknown> = {
    kind: 'storage#object',
    id: `${object.bucket}/${object.name}/${object.generation}`,
    selfLink: `${base}/storage/v1/${path}`,
    mediaLink: `${base}/download/storage/v1/${path}?generation=${object.generation}&alt=media`,
    name: object.name,
    bucket: object.bucket,
    generation: String(object.generation),
    metageneration: String(object.metageneration),
    contentType: object.contentType,
    storageClass: 'STANDARD',
    size: String(object.data.length),
    md5Hash: object.hashes.md5Hash,
    crc32c: object.hashes.crc32c,
    etag: etagOf(object),
    timeCreated: object.timeCreated,
    updated: object.timeCreated,
    timeStorageClassUpdated: object.timeCreated,
  };
  if (object.customTime !== undefined) resource.customTime = object.customTime;
  if (object.metadata !== undefined) resource.metadata = object.metadata;
  return resource;
}

function etagOf(object: StoredObject): string {
  return Buffer.from(`${object.generation}:${object.metageneration}`).toString('base64');
}

/** A media download with the headers the SDK reads: `x-goog-hash` (checked on download) and the generation. */
function sendMedia(req: IncomingMessage, res: ServerResponse, object: StoredObject): void {
  if (header(req, 'range') !== undefined) throw notImplemented('ranged downloads');
  res.writeHead(200, {
    'Content-Type': object.contentType,
    'Content-Length': String(object.data.length),
    ETag: etagOf(object),
    'Last-Modified': new Date(object.timeCreated).toUTCString(),
    'x-goog-generation': String(object.generation),
    'x-goog-metageneration': String(object.metageneration),
    'x-goog-hash': `crc32c=${object.hashes.crc32c},md5=${object.hashes.md5Hash}`,
    // Without this header the SDK cannot tell whether the bytes were transcoded and skips hash validation.
    'x-goog-stored-content-encoding': 'identity',
    'x-goog-stored-content-length': String(object.data.length),
    'x-goog-storage-class': 'STANDARD',
  });
  res.end(object.data);
}

function sendJson(res: ServerResponse, status: number, value: unknown): void {
  const text = JSON.stringify(value);
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=UTF-8',
    'Content-Length': Buffer.byteLength(text),
  });
  res.end(text);
}

function sendEmpty(res: ServerResponse, status: number): void {
  res.writeHead(status, { 'Content-Length': '0' });
  res.end();
}

function sendError(res: ServerResponse, error: unknown): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  if (error instanceof FakeGcsError) {
    if (error.status === 304) sendEmpty(res, 304);
    else sendJson(res, error.status, error.toBody());
    return;
  }
  const internal = new FakeGcsError(500, 'backendError', 'Internal error in the GCS fake.');
  sendJson(res, 500, internal.toBody());
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES)
      throw new FakeGcsError(413, 'uploadTooLarge', 'Request body too large for the GCS fake.');
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}
