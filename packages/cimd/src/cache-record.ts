import { createHash } from 'node:crypto';
import {
  decodeRecord,
  describeIssues,
  encodeRecord,
  IntegrityError,
  type OAuthClientInformationFull,
  OAuthClientInformationFullSchema,
} from '@oauth-store/core';
import type { CimdFailureReason } from './errors';

/**
 * What the fleet shares about one document URL: the last good copy (with its freshness and ETag) and, for a short
 * while after a failed fetch, the failure (negative cache). A transient failure keeps the last good copy so it can be
 * served stale; a definitive one (wrong client_id, refused address...) drops it.
 */
export interface CacheRecord {
  v: 1;
  document?: {
    client: OAuthClientInformationFull;
    etag?: string;
    fetchedAt: number;
    freshUntil: number;
    staleUntil: number;
  };
  failure?: { reason: CimdFailureReason; description: string; status?: number; until: number };
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value);
const isNumber = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value);

/** Field-level check of a decoded record (core's client schema for the client); returns what is wrong, or undefined. */
function problemOf(value: unknown): string | undefined {
  if (!isObject(value) || value.v !== 1) return 'not a version 1 record';
  const { document, failure } = value;
  if (document !== undefined) {
    if (!isObject(document)) return 'document: not an object';
    if (!isNumber(document.fetchedAt) || !isNumber(document.freshUntil) || !isNumber(document.staleUntil)) {
      return 'document: times missing';
    }
    if (document.etag !== undefined && typeof document.etag !== 'string') return 'document.etag: not a string';
    const client = OAuthClientInformationFullSchema.safeParse(document.client);
    if (!client.success) return `document.client: ${describeIssues(client.error)}`;
  }
  if (failure !== undefined) {
    if (!isObject(failure) || typeof failure.reason !== 'string' || typeof failure.description !== 'string') {
      return 'failure: reason or description missing';
    }
    if (!isNumber(failure.until)) return 'failure.until: not a number';
  }
  return undefined;
}

/**
 * Store key of a document URL: a hash, so the key has a fixed length whatever the URL (backends cap key sizes) and
 * backend key names reveal no client URLs.
 */
export function documentKey(clientId: string): string {
  return `doc:${createHash('sha256').update(clientId).digest('base64url')}`;
}

/** Store key of the fetch lock of a document URL. */
export function lockKey(clientId: string): string {
  return `lock:${createHash('sha256').update(clientId).digest('base64url')}`;
}

/** Encodes a record with core's record codec. */
export function encodeCacheRecord(record: CacheRecord): Uint8Array {
  return encodeRecord(record);
}

/** Decodes and validates a record; a record that does not match is an {@link IntegrityError}. */
export function decodeCacheRecord(bytes: Uint8Array): CacheRecord {
  const value = decodeRecord(bytes);
  const problem = problemOf(value);
  if (problem !== undefined) {
    throw new IntegrityError(
      `a cached client metadata document record does not match its schema (${problem}). Delete it; the next login fetches the document again.`,
      { source: 'cimd' },
    );
  }
  return value as CacheRecord;
}
