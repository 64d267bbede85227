import {
  BackendErrorSummary,
  ConfigurationError,
  ConflictError,
  describeBackendError,
  type OAuthStoreError,
  type StoreOperation,
  StoreUnavailableError,
  ValueTooLargeError,
} from '@oauth-store/core';
import { SOURCE } from './layout';

/** gRPC status codes the adapter branches on (https://grpc.github.io/grpc/core/md_doc_statuscodes.html). */
export const GrpcStatus = {
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  ABORTED: 10,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  UNAUTHENTICATED: 16,
} as const;

/** The numeric gRPC status of an SDK error, if it carries one. */
export function grpcCode(error: unknown): number | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'number' ? code : undefined;
}

/** True when a `create()` failed because the document exists. */
export function isAlreadyExists(error: unknown): boolean {
  return grpcCode(error) === GrpcStatus.ALREADY_EXISTS;
}

/**
 * True when a write with an update-time precondition lost to another writer: the document changed or vanished since
 * it was read (FAILED_PRECONDITION; NOT_FOUND is accepted too), or Firestore aborted it for contention (ABORTED).
 * The adapter then reads again; it never overwrites what it did not read.
 */
export function isLostRace(error: unknown): boolean {
  const code = grpcCode(error);
  return code === GrpcStatus.FAILED_PRECONDITION || code === GrpcStatus.NOT_FOUND || code === GrpcStatus.ABORTED;
}

/**
 * True when `error` proves a commit was not applied: Firestore refused it for quota (RESOURCE_EXHAUSTED), aborted it
 * (ABORTED: nothing of an aborted commit is applied), or no connection was made (UNAVAILABLE before connecting, whose
 * details name the refused connection; only the shape of the details is read, never echoed).
 */
export function provesNotApplied(error: unknown): boolean {
  const code = grpcCode(error);
  if (code === GrpcStatus.RESOURCE_EXHAUSTED || code === GrpcStatus.ABORTED) return true;
  if (code !== GrpcStatus.UNAVAILABLE) return false;
  const details = (error as { details?: unknown } | null)?.details;
  return typeof details === 'string' && /No connection established|ECONNREFUSED/.test(details);
}

/**
 * Turns an SDK error into a typed one. Messages name the gRPC status and what to do, never the server's message
 * (it can quote document paths, which encode keys).
 */
export function mapFirestoreError(error: unknown, operation: StoreOperation | string): OAuthStoreError {
  const code = grpcCode(error);
  const what = describeBackendError(error);
  switch (code) {
    case GrpcStatus.PERMISSION_DENIED:
    case GrpcStatus.UNAUTHENTICATED:
      return new ConfigurationError(
        `${operation} failed (${what}): Firestore refused the credentials. Grant the service account roles/datastore.user on the project, or check the credentials the client uses.`,
        { source: SOURCE },
      );
    case GrpcStatus.NOT_FOUND:
    case GrpcStatus.FAILED_PRECONDITION:
      return new ConfigurationError(
        `${operation} failed (${what}): the Firestore database was not found or is not in Native mode. Check the project id and databaseId settings.`,
        { source: SOURCE },
      );
    case GrpcStatus.INVALID_ARGUMENT: {
      // Only the shape of the message is read, to tell an oversize document apart; it is never echoed.
      const message = (error as { message?: unknown } | null)?.message;
      if (typeof message === 'string' && /maximum allowed size|too large/i.test(message)) {
        return new ValueTooLargeError(
          `${operation} failed (${what}): Firestore rejected the document as larger than 1 MiB. Store less data per entry.`,
          { source: SOURCE },
        );
      }
      return new ConfigurationError(
        `${operation} failed (${what}): Firestore rejected the request as invalid. Check the rootCollection and entriesCollection options and the database settings.`,
        { source: SOURCE },
      );
    }
    case GrpcStatus.ABORTED:
      return new ConflictError(
        `${operation} kept losing to concurrent writers of the same entry (${what}); retry it.`,
        { source: SOURCE, cause: new BackendErrorSummary(error) },
      );
    default:
      // UNAVAILABLE, DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED, INTERNAL, UNKNOWN, CANCELLED, network errors.
      return new StoreUnavailableError(
        `${operation} failed (${what}). Firestore was unreachable, overloaded or too slow.`,
        { source: SOURCE, cause: new BackendErrorSummary(error) },
      );
  }
}
