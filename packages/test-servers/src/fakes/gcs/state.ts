import { badRequest, FakeGcsError, notFound, preconditionFailed } from './errors';
import { hashesOf, type ObjectHashes } from './hashes';

/** One live object generation as the fake holds it. */
export interface StoredObject {
  readonly bucket: string;
  readonly name: string;
  readonly data: Buffer;
  readonly generation: number;
  readonly metageneration: number;
  readonly contentType: string;
  readonly metadata: Record<string, string> | undefined;
  /** RFC 3339, as set by the writer; the input of `daysSinceCustomTime` lifecycle rules. */
  readonly customTime: string | undefined;
  readonly timeCreated: string;
  readonly hashes: ObjectHashes;
}

/** The object metadata a writer may send with an upload (the subset the fake keeps). */
export interface UploadMetadata {
  contentType?: string;
  metadata?: Record<string, string>;
  customTime?: string;
}

/**
 * The four generation/metageneration preconditions of the JSON API, as given in the query string
 * (https://cloud.google.com/storage/docs/request-preconditions). Values are decimal strings.
 */
export interface Preconditions {
  ifGenerationMatch?: string;
  ifGenerationNotMatch?: string;
  ifMetagenerationMatch?: string;
  ifMetagenerationNotMatch?: string;
}

/** One page of a list call. */
export interface ListResult {
  items: StoredObject[];
  prefixes: string[];
  nextPageToken: string | undefined;
}

/** Options of a list call, as in `GET /storage/v1/b/{bucket}/o`. */
export interface ListQuery {
  prefix?: string;
  delimiter?: string;
  maxResults?: number;
  pageToken?: string;
  startOffset?: string;
  endOffset?: string;
}

const MAX_NAME_BYTES = 1024;

/** Object name rules from https://cloud.google.com/storage/docs/objects#naming, enforced as GCS does (400). */
export function assertValidObjectName(name: string): void {
  const bytes = Buffer.byteLength(name, 'utf8');
  if (bytes === 0 || bytes > MAX_NAME_BYTES) {
    throw badRequest(`Object name must be 1-${MAX_NAME_BYTES} bytes of UTF-8; got ${bytes}.`);
  }
  if (/[\r\n]/.test(name)) throw badRequest('Object names must not contain carriage return or line feed characters.');
  if (name === '.' || name === '..') throw badRequest('Object names must not be "." or "..".');
  if (name.startsWith('.well-known/acme-challenge/')) {
    throw badRequest('Object names must not start with ".well-known/acme-challenge/".');
  }
}

/** Bucket name rules (the common subset): 3-63 of [a-z0-9-_.], starting and ending with a letter or digit. */
export function assertValidBucketName(name: string): void {
  if (!/^[a-z0-9][a-z0-9._-]{1,61}[a-z0-9]$/.test(name)) throw badRequest('Invalid bucket name.');
}

function compareNames(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

function parseGeneration(value: string | undefined, parameter: string): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d{1,16}$/.test(value)) throw badRequest(`Invalid value for ${parameter}: expected a non-negative integer.`);
  return Number(value);
}

/**
 * The fake's whole state: buckets and their live objects. Every mutating method checks its preconditions and applies
 * the change in one synchronous step, so no other request can interleave between the check and the write: that is
 * what makes `ifGenerationMatch` a compare-and-swap, as it is on Cloud Storage.
 */
export class FakeGcsState {
  readonly #buckets = new Map<string, { timeCreated: string; objects: Map<string, StoredObject> }>();
  #lastGeneration = 0;

  /** Generations strictly increase across the whole fake (GCS uses a microsecond timestamp; so does the fake). */
  #nextGeneration(): number {
    this.#lastGeneration = Math.max(this.#lastGeneration + 1, Date.now() * 1000);
    return this.#lastGeneration;
  }

  /** Creates a bucket; 409 when it exists. */
  createBucket(name: string): { name: string; timeCreated: string } {
    assertValidBucketName(name);
    if (this.#buckets.has(name)) {
      throw new FakeGcsError(
        409,
        'conflict',
        'Your previous request to create the named bucket succeeded and you already own it.',
      );
    }
    const timeCreated = new Date().toISOString();
    this.#buckets.set(name, { timeCreated, objects: new Map() });
    return { name, timeCreated };
  }

  /** The bucket's creation time; 404 when it does not exist. */
  getBucket(name: string): { name: string; timeCreated: string } {
    return { name, timeCreated: this.#bucket(name).timeCreated };
  }

  /** Deletes an empty bucket; 409 when it still holds objects. */
  deleteBucket(name: string): void {
    const bucket = this.#bucket(name);
    if (bucket.objects.size > 0) {
      throw new FakeGcsError(409, 'conflict', 'The bucket you tried to delete is not empty.');
    }
    this.#buckets.delete(name);
  }

  #bucket(name: string) {
    const bucket = this.#buckets.get(name);
    if (!bucket) throw notFound('The specified bucket does not exist.');
    return bucket;
  }

  /**
   * Evaluates preconditions against the current object (or its absence). `read` selects the documented GET
   * behaviour, where a failed NotMatch precondition is 304 Not Modified rather than 412.
   */
  #check(current: StoredObject | undefined, pre: Preconditions, read = false): void {
    const generationMatch = parseGeneration(pre.ifGenerationMatch, 'ifGenerationMatch');
    const generationNotMatch = parseGeneration(pre.ifGenerationNotMatch, 'ifGenerationNotMatch');
    const metagenerationMatch = parseGeneration(pre.ifMetagenerationMatch, 'ifMetagenerationMatch');
    const metagenerationNotMatch = parseGeneration(pre.ifMetagenerationNotMatch, 'ifMetagenerationNotMatch');
    const notModified = () => (read ? new FakeGcsError(304, 'notModified', 'Not Modified') : preconditionFailed());
    // ifGenerationMatch=0: the object must not exist; any other value: the live generation must equal it.
    if (generationMatch !== undefined && (current?.generation ?? 0) !== generationMatch) throw preconditionFailed();
    // ifGenerationNotMatch=0: a live object must exist; otherwise the live generation must differ.
    if (generationNotMatch !== undefined && (current?.generation ?? 0) === generationNotMatch) throw notModified();
    if (metagenerationMatch !== undefined && current?.metageneration !== metagenerationMatch) {
      throw preconditionFailed();
    }
    if (metagenerationNotMatch !== undefined && (!current || current.metageneration === metagenerationNotMatch)) {
      throw notModified();
    }
  }

  /** Reads a live object (404 when absent, also when `generation` names another generation). */
  get(bucketName: string, name: string, pre: Preconditions = {}, generation?: string): StoredObject {
    const current = this.#bucket(bucketName).objects.get(name);
    const wanted = parseGeneration(generation, 'generation');
    if (!current || (wanted !== undefined && wanted !== current.generation)) {
      throw notFound(`No such object: ${bucketName}/${name}`);
    }
    this.#check(current, pre, true);
    return current;
  }

  /**
   * Creates a new generation of the object, replacing the live one: precondition check and write in one
   * synchronous step.
   */
  insert(bucketName: string, name: string, data: Buffer, meta: UploadMetadata, pre: Preconditions): StoredObject {
    assertValidObjectName(name);
    const objects = this.#bucket(bucketName).objects;
    this.#check(objects.get(name), pre);
    const now = new Date().toISOString();
    const stored: StoredObject = {
      bucket: bucketName,
      name,
      data,
      generation: this.#nextGeneration(),
      metageneration: 1,
      contentType: meta.contentType ?? 'application/octet-stream',
      metadata: meta.metadata,
      customTime: meta.customTime,
      timeCreated: now,
      hashes: hashesOf(data),
    };
    objects.set(name, stored);
    return stored;
  }

  /** Checks preconditions for an insert without writing (used when a resumable session starts). */
  checkInsert(bucketName: string, name: string, pre: Preconditions): void {
    assertValidObjectName(name);
    this.#check(this.#bucket(bucketName).objects.get(name), pre);
  }

  /** Deletes the live object: 404 when absent, 412 when a precondition fails; check and delete in one step. */
  delete(bucketName: string, name: string, pre: Preconditions, generation?: string): void {
    const objects = this.#bucket(bucketName).objects;
    const current = objects.get(name);
    const wanted = parseGeneration(generation, 'generation');
    if (!current || (wanted !== undefined && wanted !== current.generation)) {
      throw notFound(`No such object: ${bucketName}/${name}`);
    }
    this.#check(current, pre);
    objects.delete(name);
  }

  /**
   * Lists objects in lexicographic (UTF-8 byte) order of name, as GCS does. The page token records the last name
   * consumed, so objects written or deleted between pages never shift the others (keyset pagination).
   */
  list(bucketName: string, query: ListQuery): ListResult {
    const objects = this.#bucket(bucketName).objects;
    const prefix = query.prefix ?? '';
    const maxResults = query.maxResults ?? 1000;
    const after = query.pageToken === undefined ? undefined : decodePageToken(query.pageToken);
    const names = [...objects.keys()]
      .filter(
        (name) =>
          name.startsWith(prefix) &&
          (after === undefined || compareNames(name, after) > 0) &&
          (query.startOffset === undefined || compareNames(name, query.startOffset) >= 0) &&
          (query.endOffset === undefined || compareNames(name, query.endOffset) < 0),
      )
      .sort(compareNames);
    const items: StoredObject[] = [];
    const prefixes: string[] = [];
    let consumed: string | undefined;
    let index = 0;
    while (index < names.length && items.length + prefixes.length < maxResults) {
      const name = names[index]!;
      const cut = query.delimiter ? name.indexOf(query.delimiter, prefix.length) : -1;
      if (cut >= 0 && query.delimiter) {
        // Every name under this sub-prefix is consumed by the one `prefixes` entry (they sort contiguously).
        const group = name.slice(0, cut + query.delimiter.length);
        prefixes.push(group);
        while (index < names.length && names[index]!.startsWith(group)) consumed = names[index++];
      } else {
        items.push(objects.get(name)!);
        consumed = name;
        index++;
      }
    }
    return {
      items,
      prefixes,
      nextPageToken: index < names.length && consumed !== undefined ? encodePageToken(consumed) : undefined,
    };
  }

  /** Test hook: overwrites stored bytes without updating hashes, to prove that downloads are hash-checked. */
  corrupt(bucketName: string, name: string): void {
    const objects = this.#bucket(bucketName).objects;
    const current = objects.get(name);
    if (!current) throw notFound(`No such object: ${bucketName}/${name}`);
    const data = Buffer.from(current.data);
    data[0] = (data[0] ?? 0) ^ 0xff;
    objects.set(name, { ...current, data });
  }

  /** Test hook: the live objects of a bucket, by name. */
  objects(bucketName: string): ReadonlyMap<string, StoredObject> {
    return this.#bucket(bucketName).objects;
  }
}

// Page tokens are opaque to clients; the fake's are the base64 of the last name returned.
function encodePageToken(lastName: string): string {
  return Buffer.from(`after:${lastName}`, 'utf8').toString('base64');
}

function decodePageToken(token: string): string {
  const decoded = Buffer.from(token, 'base64').toString('utf8');
  if (!decoded.startsWith('after:')) throw badRequest('Invalid page token.');
  return decoded.slice('after:'.length);
}
