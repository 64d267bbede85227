/** Custom metadata key holding the absolute expiry in epoch milliseconds (decimal): what `list` filters on. */
export const EXPIRES_AT_KEY = 'expires-at';
/** Content type of every object the adapter writes: records are opaque bytes. */
export const CONTENT_TYPE = 'application/octet-stream';

/** The object resource fields the adapter reads from a list response item. */
export interface ObjectInfo {
  metadata?: Record<string, unknown> | null;
}

/** What the adapter sends as object metadata with an upload. */
export interface UploadMetadata {
  contentType: string;
  metadata: Record<string, string>;
  customTime?: string;
}

/**
 * Object metadata for a record. The record's bytes carry the authoritative expiry (core's frame); it is copied into
 * the custom `expires-at` metadata (milliseconds), so `list` can skip expired objects from the listing alone, and into
 * the object's Custom-Time, which a `daysSinceCustomTime` lifecycle rule uses to delete it later.
 */
export function uploadMetadata(expiresAt: number | undefined): UploadMetadata {
  const meta: UploadMetadata = { contentType: CONTENT_TYPE, metadata: {} };
  if (expiresAt !== undefined) {
    meta.metadata[EXPIRES_AT_KEY] = String(expiresAt);
    meta.customTime = new Date(expiresAt).toISOString();
  }
  return meta;
}

/**
 * The expiry of a listed object: undefined for none, the epoch milliseconds otherwise. An `expires-at` that is not a
 * decimal integer reads as already expired, so a damaged or foreign entry is never listed as live.
 */
export function expiresAtOf(info: ObjectInfo): number | undefined {
  const raw = info.metadata?.[EXPIRES_AT_KEY];
  if (raw === undefined || raw === null) return undefined;
  return typeof raw === 'string' && /^\d{1,16}$/.test(raw) ? Number(raw) : 0;
}

/** True when a listed object holds an entry that is live at `now`. */
export function isListedLive(info: ObjectInfo, now: number): boolean {
  const expiresAt = expiresAtOf(info);
  return expiresAt === undefined || expiresAt > now;
}
