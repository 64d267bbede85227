import { InvalidValueError } from '@oauth-store/core';
import { MAX_KEY_BYTES } from './layout';

/** Where a `list` scan stands: the shard it is in and the last key it passed there (absent at a shard's start). */
export interface ListPosition {
  /** The list-index shard to read next. */
  shard: number;
  /** UTF-8 bytes of the last key evaluated in that shard; the next query starts after it. */
  after: Uint8Array | undefined;
}

const VERSION = 1;

/**
 * Encodes a position as an opaque cursor: version byte, u16 shard, then the key bytes. The index's other key parts
 * (the collection's shard partition, the table key) are derived again from the collection when the cursor comes back.
 */
export function encodeCursor(position: ListPosition): string {
  const after = position.after ?? new Uint8Array(0);
  const out = new Uint8Array(3 + after.byteLength);
  const view = new DataView(out.buffer);
  view.setUint8(0, VERSION);
  view.setUint16(1, position.shard);
  out.set(after, 3);
  return Buffer.from(out).toString('base64url');
}

/** Decodes a cursor from {@link encodeCursor}; throws {@link InvalidValueError} for anything else. */
export function decodeCursor(cursor: string, shards: number, source: string): ListPosition {
  const bytes = /^[A-Za-z0-9_-]+$/.test(cursor) ? Buffer.from(cursor, 'base64url') : Buffer.alloc(0);
  const shard = bytes.byteLength >= 3 && bytes[0] === VERSION ? bytes.readUInt16BE(1) : Number.NaN;
  const after = bytes.subarray(3);
  if (!(shard < shards) || after.byteLength > MAX_KEY_BYTES) {
    throw new InvalidValueError(
      'the cursor is not one this store returned (or listShards changed since). Pass the cursor from the previous page, or omit it to start over.',
      { source },
    );
  }
  return { shard, after: after.byteLength > 0 ? new Uint8Array(after) : undefined };
}
