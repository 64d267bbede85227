/**
 * An error the fake answers with, shaped like a Cloud Storage JSON API error response:
 * `{"error":{"code":412,"message":"...","errors":[{"message":"...","domain":"global","reason":"conditionNotMet"}]}}`.
 * The SDK reads `code` and `errors[].reason` (for example to decide on retries), so both follow the documented values.
 */
export class FakeGcsError extends Error {
  /** HTTP status code. */
  readonly status: number;
  /** The documented `reason` string (`notFound`, `conditionNotMet`, ...). */
  readonly reason: string;
  /** Where the failing input was, when the API names it (for example `If-Match` for preconditions). */
  readonly location: { type: string; name: string } | undefined;

  constructor(status: number, reason: string, message: string, location?: { type: string; name: string }) {
    super(message);
    this.name = 'FakeGcsError';
    this.status = status;
    this.reason = reason;
    this.location = location;
  }

  /** The JSON body Cloud Storage sends with this error. */
  toBody(): unknown {
    const detail: Record<string, string> = { message: this.message, domain: 'global', reason: this.reason };
    if (this.location) {
      detail.locationType = this.location.type;
      detail.location = this.location.name;
    }
    return { error: { code: this.status, message: this.message, errors: [detail] } };
  }
}

/** 404 for a missing bucket or object (`reason: notFound`). */
export function notFound(message: string): FakeGcsError {
  return new FakeGcsError(404, 'notFound', message);
}

/** 412 for a failed `ifGenerationMatch`/`ifMetagenerationMatch` precondition (`reason: conditionNotMet`). */
export function preconditionFailed(): FakeGcsError {
  return new FakeGcsError(412, 'conditionNotMet', 'At least one of the pre-conditions you specified did not hold.', {
    type: 'header',
    name: 'If-Match',
  });
}

/** 400 for a malformed request (`reason: invalid` or `required`). */
export function badRequest(message: string, reason = 'invalid'): FakeGcsError {
  return new FakeGcsError(400, reason, message);
}

/** 501 for a request the fake does not implement; says so plainly instead of pretending. */
export function notImplemented(what: string): FakeGcsError {
  return new FakeGcsError(501, 'notImplemented', `the GCS fake does not implement ${what}`);
}
