/**
 * Wraps an error raised before a command was handed to the client (waiting for the connection failed): the command
 * never left, so a failed write, delete or take certainly was not applied. The runtime asks the driver's
 * `notApplied`, which recognises this wrapper; the error mapping looks through it to the cause.
 */
export class NotSent extends Error {
  constructor(readonly original: unknown) {
    super('the command was not sent');
    this.name = 'NotSent';
  }
}

/**
 * True when `error` proves the command never reached Redis: it was never handed to the client, or the client refused
 * it without queueing it (node-redis with the offline queue off while disconnected, or closed; ioredis with the
 * offline queue off and no writable socket).
 */
export function provesNotSent(error: unknown): boolean {
  if (error instanceof NotSent) return true;
  if (!(error instanceof Error)) return false;
  const name = error.constructor?.name ?? error.name;
  if (name === 'ClientOfflineError' || name === 'ClientClosedError') return true;
  return error.message === "Stream isn't writeable and enableOfflineQueue options is false";
}
