import { InvalidValueError } from '@oauth-store/core';
import { isKeyId, SOURCE } from './layout';

/**
 * A `list` cursor is the document id of the last entry the page passed (returned or skipped as expired). The next
 * page is a query ordered by document id that starts after it, so entries written or deleted between pages never
 * shift the others: nothing is lost or repeated (keyset pagination, as Firestore recommends over offsets).
 */
export function encodeCursor(lastDocumentId: string): string {
  return lastDocumentId;
}

/** The document id a cursor from {@link encodeCursor} stands for; throws {@link InvalidValueError} for anything else. */
export function decodeCursor(cursor: string): string {
  if (!isKeyId(cursor)) {
    throw new InvalidValueError(
      'the cursor is not one this store returned. Pass the cursor from the previous page, or omit it to start over.',
      { source: SOURCE },
    );
  }
  return cursor;
}
