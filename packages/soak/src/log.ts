/**
 * The operation log. Every worker appends one JSON line per event to its own file, synchronously, so whatever a
 * worker acknowledged before it was killed is on disk; the checkers read nothing else.
 */
import { appendFileSync, existsSync, readFileSync } from 'node:fs';

/** The workload's operations (see workload.ts). */
export type OpName =
  | 'register-client'
  | 'get-client'
  | 'delete-client'
  | 'list-clients'
  | 'transaction'
  | 'code'
  | 'token-put'
  | 'token-get'
  | 'probe-write'
  | 'probe-overwrite';

/** One finished operation of the typed stores, as the worker saw it. */
export interface OpRecord {
  k: 'op';
  /** Worker id. */
  w: string;
  op: OpName;
  /** The key it was about (client id, code, token key). */
  key?: string;
  /** Start and end, epoch milliseconds. */
  t0: number;
  t1: number;
  ok: boolean;
  /** On success: what it returned (`found`, `missing`, `ok`, `already_used`, a count...). */
  r?: string;
  /** On a successful code consume: the nonce of the grant it received (unique per issue). */
  n?: string;
  /** On token-put: the token set's `expiresAt` (epoch ms). */
  exp?: number;
  /** On failure: the OAuthStoreError code, or `untyped:<name>` for anything else. */
  err?: string;
  /** On an `unavailable` failure: its `outcomeUnknown` flag (false = the store said it was certainly not applied). */
  unk?: boolean;
}

/** Written BEFORE a destructive operation, so a delete in flight when the worker died still counts as a delete. */
export interface IntentRecord {
  k: 'intent';
  w: string;
  op: 'delete-client';
  key: string;
  t: number;
}

/** One failed call of the backend adapter (below the typed stores and the encryption), with its duration. */
export interface CallFailureRecord {
  k: 'call-fail';
  w: string;
  /** ByteStore method. */
  m: string;
  t0: number;
  ms: number;
  err: string;
}

/** A heap sample, taken every second, with the worst event-loop delay since the previous sample. */
export interface HeapRecord {
  k: 'heap';
  w: string;
  t: number;
  heap: number;
  /** Longest event-loop delay (ms) in the second before `t`: while it lasts, no timer (no timeout) can fire. */
  lag: number;
}

/** An unhandled rejection or uncaught exception the worker caught with its process handlers. */
export interface UnhandledRecord {
  k: 'unhandled';
  w: string;
  t: number;
  /** Error name and code only (never a message: it could hold a key). */
  what: string;
}

/** The worker built its stores and started the workload. */
export interface ReadyRecord {
  k: 'ready';
  w: string;
  t: number;
}

/** Any line of a worker log. */
export type LogRecord = OpRecord | IntentRecord | CallFailureRecord | HeapRecord | UnhandledRecord | ReadyRecord;

/** Appends records to one log file, one synchronous write per record. */
export class LogWriter {
  readonly #path: string;

  constructor(path: string) {
    this.#path = path;
  }

  /** Appends the record; returns once it is in the file (the kernel's page cache: enough for a killed process). */
  write(record: LogRecord): void {
    appendFileSync(this.#path, `${JSON.stringify(record)}\n`);
  }
}

/**
 * Reads one worker log. A worker killed with SIGKILL can leave a partial last line; it is dropped, because the
 * operation it described was never fully recorded.
 */
export function readLog(path: string): LogRecord[] {
  if (!existsSync(path)) return [];
  const lines = readFileSync(path, 'utf8').split('\n');
  const records: LogRecord[] = [];
  for (const line of lines) {
    if (!line) continue;
    try {
      records.push(JSON.parse(line) as LogRecord);
    } catch {
      // Only the last line can be torn; anything else unparsable is the same situation (a torn write) and skipped.
    }
  }
  return records;
}
