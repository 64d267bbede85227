import type { IncomingMessage, ServerResponse } from 'node:http';
import { FakeGcsError } from './errors';

/**
 * A one-shot failure the fake injects into a matching request, for testing what a client does when the network or
 * the service misbehaves:
 * - `drop-response`: the request is carried out (a write lands, a delete deletes), then the connection is closed
 *   without an answer, as when a response is lost in transit;
 * - `unavailable`: the request is refused with 503 `backendError` before it does anything.
 */
export interface FakeGcsFault {
  kind: 'drop-response' | 'unavailable';
  /** HTTP method to match (`POST`, `DELETE`, ...). */
  method: string;
  /** Matched against the request path and query, still percent-encoded. */
  path: RegExp;
  /** How many matching requests it affects. Default 1. */
  times?: number;
}

/** The queue of injected faults; each matching request consumes one. */
export class FakeGcsFaults {
  readonly #pending: Array<FakeGcsFault & { left: number }> = [];

  /** Adds a fault. */
  inject(fault: FakeGcsFault): void {
    this.#pending.push({ ...fault, left: fault.times ?? 1 });
  }

  /** How many injected faults have not fired yet. */
  get pending(): number {
    return this.#pending.reduce((sum, fault) => sum + fault.left, 0);
  }

  /**
   * Applies the first matching fault to this request. Returns true when the request must not be handled at all
   * (`unavailable`, already answered); for `drop-response` it rewires `res` so that the answer is never sent.
   */
  apply(req: IncomingMessage, res: ServerResponse): boolean {
    const index = this.#pending.findIndex((f) => f.method === req.method && f.path.test(req.url ?? ''));
    if (index < 0) return false;
    const fault = this.#pending[index]!;
    if (--fault.left <= 0) this.#pending.splice(index, 1);
    if (fault.kind === 'unavailable') {
      const error = new FakeGcsError(503, 'backendError', 'Service Unavailable (a fault injected into the GCS fake).');
      const body = JSON.stringify(error.toBody());
      res.writeHead(503, {
        'Content-Type': 'application/json; charset=UTF-8',
        'Content-Length': Buffer.byteLength(body),
      });
      res.end(body);
      return true;
    }
    // The handler runs normally (its state change happens); whatever it then sends is replaced by a dropped socket.
    res.writeHead = (() => res) as unknown as ServerResponse['writeHead'];
    res.setHeader = (() => res) as unknown as ServerResponse['setHeader'];
    res.end = (() => {
      req.socket.destroy();
      return res;
    }) as unknown as ServerResponse['end'];
    return false;
  }
}
