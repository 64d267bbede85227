/**
 * What the runner measures: a contender is one way of doing get / set / take against a backend (the raw client, our
 * adapter, the adapter behind envelope encryption, Keyv). Every contender of a backend gets the same keys, value and
 * TTL, in its own namespace, so the only difference is the code path.
 */

/** The operations measured. */
export type Operation = 'set' | 'get' | 'take';

/** Who a contender is, which decides how its figures are compared. */
export type Role = 'raw' | 'adapter' | 'envelope' | 'keyv';

/** One way of talking to a backend. */
export interface Contender {
  /** Row label in the tables, for example `node-redis (raw)`. */
  readonly label: string;
  /** Raw is the baseline every ratio divides by. */
  readonly role: Role;
  /** Writes the benchmark value under `key` with the benchmark TTL. */
  set(key: string): Promise<unknown>;
  /** Reads `key` (it exists: the set phase wrote it). */
  get(key: string): Promise<unknown>;
  /** Reads and deletes `key`. Absent for contenders measured on get/set only (the emulator rows). */
  take?(key: string): Promise<unknown>;
  /** Set when `take` is not one atomic operation (Keyv: get then delete), so the table can say so. */
  readonly takeNote?: string;
  /** Releases connections. */
  close(): Promise<void>;
}

/** A backend's contenders, ready to run, and how to tear them down. */
export interface BackendSetup {
  /** Backend name as given to `--only`, for example `redis`. */
  readonly name: string;
  /** Human title, for example `Redis`. */
  readonly title: string;
  /** The raw client first; ratios divide by it. */
  readonly contenders: readonly Contender[];
  /** Operations measured on this backend. */
  readonly operations: readonly Operation[];
  /** Whether to measure throughput at concurrency 64 as well as latency at concurrency 1. */
  readonly throughput: boolean;
  /** Server and client versions for the report, for example `redis_version 7.0.15`. */
  readonly versions: Record<string, string>;
  /** What to tell the reader about this row (an emulator is not the cloud service, ...). */
  readonly notes: readonly string[];
  /** Closes every contender and anything else the setup opened. */
  close(): Promise<void>;
}

/** Time to live given to every write: 10 minutes, the order of an authorization code or access token. */
export const TTL_MS = 600_000;

/** Size of the benchmark value in bytes. */
export const VALUE_BYTES = 1024;

/** Runs `method` on the contender, for the runner (which only knows the operation's name). */
export function invoke(contender: Contender, operation: Operation, key: string): Promise<unknown> {
  if (operation === 'take') {
    if (!contender.take) throw new Error(`${contender.label} has no take`);
    return contender.take(key);
  }
  return operation === 'set' ? contender.set(key) : contender.get(key);
}

/** Closes all, even when some fail, then reports the first failure. */
export async function closeAll(closers: ReadonlyArray<() => Promise<unknown>>): Promise<void> {
  const results = await Promise.allSettled(closers.map((close) => close()));
  const failed = results.find((result): result is PromiseRejectedResult => result.status === 'rejected');
  if (failed) throw failed.reason;
}
