/**
 * Keeps the AWS SDK from retrying a write, delete or take.
 *
 * The SDK's standard retry strategy resends a request whose answer was lost (socket reset, timeout, 5xx). For a
 * `PutItem` or `DeleteItem` that is a second copy of a command that may already have been applied: a conditional
 * create whose answer was lost would be sent again after another process took the entry (a double take), and would
 * then answer "condition failed" for the caller's own write. So every mutation goes through
 * {@link sendSingleAttempt}, which adds a middleware to that one command, placed inside the SDK's retry middleware
 * (it runs once per attempt):
 *
 * - an attempt that failed in a way that proves nothing was applied (throttled, connection refused, host not found)
 *   passes its error through unchanged, so the SDK may still retry it: that is safe;
 * - any other failure is wrapped in {@link AttemptNotRetried}, an error the retry strategy classifies as a client
 *   error (no status, no code, no `cause`, no retryable trait), so it is not retried; the driver unwraps it;
 * - a further attempt after such a failure is refused outright, in case a custom retry strategy retries anyway.
 *
 * Why a per-command middleware rather than a second client with `maxAttempts: 1`: it works the same on a client the
 * application passes in (whose configuration the store cannot copy), it keeps one connection pool and one set of
 * credentials, and reads (`GetItem`, `Query`), which are idempotent, keep the application's retry settings.
 */
import {
  DeleteItemCommand,
  type DeleteItemCommandOutput,
  type DynamoDBClient,
  type PutItemCommand,
  type PutItemCommandOutput,
} from '@aws-sdk/client-dynamodb';

/** Name of the middleware in the command's stack. */
const MIDDLEWARE_NAME = 'oauthStoreSingleAttempt';

/** AWS error names for a request DynamoDB refused before doing anything: resending it cannot apply it twice. */
const REFUSED_ERRORS = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'RequestLimitExceeded',
  'TooManyRequestsException',
]);

/** Node.js error codes for a request that never left this machine (no connection was made). */
const NOT_SENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

/** True when `error` proves the request was not applied: DynamoDB throttled it, or it never reached DynamoDB. */
export function provesNotApplied(error: unknown): boolean {
  if (!error || typeof error !== 'object') return false;
  const { name, code, $metadata } = error as {
    name?: unknown;
    code?: unknown;
    $metadata?: { httpStatusCode?: unknown };
  };
  if (typeof name === 'string' && REFUSED_ERRORS.has(name)) return true;
  if ($metadata?.httpStatusCode === 429) return true;
  return typeof code === 'string' && NOT_SENT_CODES.has(code);
}

/**
 * Carries the error of an attempt that must not be retried past the SDK's retry middleware. It deliberately has no
 * `cause`, `code` or `$metadata` (the SDK would inspect them and retry); the original is in {@link original}.
 */
export class AttemptNotRetried extends Error {
  /** The attempt's own error. */
  readonly original: unknown;
  constructor(original: unknown) {
    super('the request failed and was not retried (it may have been applied)');
    this.name = 'AttemptNotRetried';
    this.original = original;
  }
}

/** The error an attempt really failed with: unwraps {@link AttemptNotRetried}. */
export function unwrapAttemptError(error: unknown): unknown {
  return error instanceof AttemptNotRetried ? error.original : error;
}

/** One attempt of a request inside the SDK's middleware stack. */
type AttemptHandler = (args: unknown) => Promise<unknown>;
/** The part of a command's middleware stack this module uses, typed loosely so one function serves both commands. */
interface RelativeStack {
  addRelativeTo(
    middleware: (next: AttemptHandler) => AttemptHandler,
    options: { relation: 'after'; toMiddleware: string; name: string; override: boolean },
  ): void;
}

/**
 * Sends `command` so that the SDK sends it at most once unless a failed attempt provably was not applied.
 * Rejects with the attempt's own error (never the wrapper).
 */
export async function sendSingleAttempt(
  client: DynamoDBClient,
  command: PutItemCommand,
  signal: AbortSignal,
): Promise<PutItemCommandOutput>;
export async function sendSingleAttempt(
  client: DynamoDBClient,
  command: DeleteItemCommand,
  signal: AbortSignal,
): Promise<DeleteItemCommandOutput>;
export async function sendSingleAttempt(
  client: DynamoDBClient,
  command: PutItemCommand | DeleteItemCommand,
  signal: AbortSignal,
): Promise<PutItemCommandOutput | DeleteItemCommandOutput> {
  (command.middlewareStack as unknown as RelativeStack).addRelativeTo(
    (next) => {
      let mayResend = true;
      return async (args) => {
        if (!mayResend) throw new AttemptNotRetried(new Error('a resend of a request that may have been applied'));
        try {
          return await next(args);
        } catch (error) {
          if (provesNotApplied(error)) throw error;
          mayResend = false;
          throw new AttemptNotRetried(error);
        }
      };
    },
    { relation: 'after', toMiddleware: 'retryMiddleware', name: MIDDLEWARE_NAME, override: true },
  );
  try {
    return command instanceof DeleteItemCommand
      ? await client.send(command, { abortSignal: signal })
      : await client.send(command, { abortSignal: signal });
  } catch (error) {
    throw unwrapAttemptError(error);
  }
}
