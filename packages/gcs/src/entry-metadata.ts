import { isExpired } from '@oauth-store/core';

/** Custom metadata key holding the absolute expiry in epoch milliseconds (decimal). */
export const EXPIRES_AT_KEY = 'expires-at';
/** Custom metadata key holding a random id per `set` call, to recognise our own write after a retried upload. */
export const WRITE_ID_KEY = 'write-id';
/** Content type of every object the adapter writes: values are opaque bytes. */
export const CONTENT_TYPE = 'application/octet-stream';

/** The object resource fields the adapter reads (from a metadata GET or a list response item). */
export interface ObjectInfo {
  generation?: string | number;
  metadata?: Record<string, unknown> | null;
}

/** What the adapter sends as object metadata with an upload. */
export interface UploadMetadata {
  contentType: string;
  metadata: Record<string, string>;
  customTime?: string;
}

/**
 * Object metadata for an entry. The expiry goes in two places: the custom `expires-at` metadata (milliseconds, what
 * reads check) and the object's Custom-Time (what a `daysSinceCustomTime` lifecycle rule uses to delete it later).
 */
export function uploadMetadata(expiresAt: number | undefined, writeId: string): UploadMetadata {
  const meta: UploadMetadata = { contentType: CONTENT_TYPE, metadata: { [WRITE_ID_KEY]: writeId } };
  if (expiresAt !== undefined) {
    meta.metadata[EXPIRES_AT_KEY] = String(expiresAt);
    meta.customTime = new Date(expiresAt).toISOString();
  }
  return meta;
}

/**
 * The expiry of an object: undefined for none, the epoch milliseconds otherwise. An `expires-at` that is not a
 * decimal integer reads as already expired, so a damaged or foreign entry is never served as live.
 */
export function expiresAtOf(info: ObjectInfo): number | undefined {
  const raw = info.metadata?.[EXPIRES_AT_KEY];
  if (raw === undefined || raw === null) return undefined;
  return typeof raw === 'string' && /^\d{1,16}$/.test(raw) ? Number(raw) : 0;
}

/** True when the object holds a live (unexpired) entry at `now`. */
export function isLive(info: ObjectInfo, now: number = Date.now()): boolean {
  return !isExpired(expiresAtOf(info), now);
}

/** The write id recorded with the object, if any. */
export function writeIdOf(info: ObjectInfo): string | undefined {
  const raw = info.metadata?.[WRITE_ID_KEY];
  return typeof raw === 'string' ? raw : undefined;
}

/** The object's generation as the decimal string the API uses, or undefined when absent. */
export function generationOf(info: ObjectInfo): string | undefined {
  const raw = info.generation;
  if (typeof raw === 'number') return String(raw);
  return typeof raw === 'string' && /^\d+$/.test(raw) ? raw : undefined;
}
