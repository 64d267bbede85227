import { randomBytes } from 'node:crypto';
import { decodeRecord, encodeRecord, IntegrityError } from '@oauth-store/core';
import type { OidcAdapterPayload } from './types';

/**
 * What the adapter stores per model instance: oidc-provider's payload, the absolute expiry (so a rewrite by
 * `consume` keeps the remaining lifetime) and a revision id, new on every upsert, that keys the record's consume
 * claim (so a claim made on an earlier incarnation of the same id never blocks a later one, and the claim's key is
 * not the token).
 */
export interface StoredRecord {
  payload: OidcAdapterPayload;
  /** Absolute expiry in epoch ms; absent when the record never expires. */
  expiresAt?: number;
  rev: string;
}

/** A fresh revision id: 128 random bits, so it can name the record's consume claim without naming the token. */
export function newRevision(): string {
  return randomBytes(16).toString('base64url');
}

/** Encodes a record as JSON bytes (core's record codec). */
export function encodeStoredRecord(record: StoredRecord): Uint8Array {
  return encodeRecord(record);
}

/** Decodes and shape-checks a stored record; anything else is an {@link IntegrityError}. */
export function decodeStoredRecord(bytes: Uint8Array): StoredRecord {
  const record = decodeRecord(bytes) as Partial<StoredRecord> | null;
  if (
    !record ||
    typeof record !== 'object' ||
    !record.payload ||
    typeof record.payload !== 'object' ||
    Array.isArray(record.payload) ||
    typeof record.rev !== 'string' ||
    (record.expiresAt !== undefined && typeof record.expiresAt !== 'number')
  ) {
    throw new IntegrityError(
      'a stored oidc-provider record has an unexpected shape; it was not written by this adapter.',
      {
        source: 'oidc-provider',
      },
    );
  }
  return record as StoredRecord;
}

/** Store options that give a rewrite the record's remaining lifetime; undefined when it has already expired. */
export function remainingTtl(record: StoredRecord, now: number = Date.now()): { ttlMs?: number } | undefined {
  if (record.expiresAt === undefined) return {};
  const ttlMs = Math.ceil(record.expiresAt - now);
  return ttlMs > 0 ? { ttlMs } : undefined;
}
