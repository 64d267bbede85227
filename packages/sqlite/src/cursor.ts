import { InvalidValueError } from '@oauth-store/core';

/** The list cursor is the last returned key's UTF-8 bytes in base64url: opaque to callers, exact for keyset paging. */
export function encodeCursor(lastKey: Uint8Array): string {
  return Buffer.from(lastKey.buffer, lastKey.byteOffset, lastKey.byteLength).toString('base64url');
}

/** Decodes a cursor from {@link encodeCursor}; anything that is not base64url is refused. */
export function decodeCursor(cursor: string): Buffer {
  if (!/^[A-Za-z0-9_-]+$/.test(cursor)) {
    throw new InvalidValueError('cursor is not one this store returned; pass the cursor of the previous list page.', {
      source: 'sqlite',
    });
  }
  return Buffer.from(cursor, 'base64url');
}
