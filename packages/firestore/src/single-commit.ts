/**
 * Sends one write, delete or conditional write as a single Firestore commit that is never retried.
 *
 * `DocumentReference.create/set/update/delete` commit through `WriteBatch.commit()`, which asks gax to retry the commit
 * on ABORTED, RESOURCE_EXHAUSTED and UNAVAILABLE. A commit whose answer was lost (the connection reset after the
 * server applied it: UNAVAILABLE) is then sent again: a `create` resent after another process took the entry writes
 * it back (a double take), and a resent delete answers "not found" for a take that did consume the entry. The SDK has
 * no per-call or per-client switch for this (the retry codes are fixed in its commit path), so this module builds the
 * same one-write batch and commits it through `WriteBatch._commit({ retryCodes: [] })`, the step `commit()` itself
 * calls, with no retry codes. That method is internal to the SDK; {@link assertSingleCommitSupported} checks it
 * exists on the client at construction, and the package tests it on every SDK major it declares (7, 8 and 9).
 */
import type { DocumentData, DocumentReference, Firestore, Precondition, WriteBatch } from '@google-cloud/firestore';
import { ConfigurationError } from '@oauth-store/core';
import { SOURCE } from './layout';

/** The internal commit step of a `WriteBatch`. */
interface CommittableBatch {
  _commit(options: { retryCodes: number[] }): Promise<unknown>;
}

/** One write of a single-write commit. */
export type SingleWrite =
  | { kind: 'create'; data: DocumentData }
  | { kind: 'set'; data: DocumentData }
  | { kind: 'update'; data: DocumentData; precondition: Precondition }
  | { kind: 'delete'; precondition: Precondition };

/** Throws a configuration error when the client's SDK has no `WriteBatch._commit` (an SDK this adapter does not support). */
export function assertSingleCommitSupported(db: Firestore): void {
  const batch = db.batch() as unknown as Partial<CommittableBatch>;
  if (typeof batch._commit !== 'function') {
    throw new ConfigurationError(
      'this @google-cloud/firestore version has no WriteBatch._commit, which the adapter needs to commit writes without SDK retries (a retried commit can apply twice). Use @google-cloud/firestore 7, 8 or 9.',
      { source: SOURCE },
    );
  }
}

/** Commits `write` on `doc` once: no SDK retry, whatever the error. */
export async function commitOnce(db: Firestore, doc: DocumentReference, write: SingleWrite): Promise<void> {
  const batch: WriteBatch = db.batch();
  switch (write.kind) {
    case 'create':
      batch.create(doc, write.data);
      break;
    case 'set':
      batch.set(doc, write.data);
      break;
    case 'update':
      batch.update(doc, write.data, write.precondition);
      break;
    case 'delete':
      batch.delete(doc, write.precondition);
      break;
  }
  await (batch as unknown as CommittableBatch)._commit({ retryCodes: [] });
}
