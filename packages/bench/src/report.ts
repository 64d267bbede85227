/** The data a run produces, as the table renderer and the target check read it. */
import type { Operation, Role } from './contender';
import type { KeyLoadResult } from './key-loads';
import type { MachineInfo } from './machine';
import type { ContenderResult } from './runner';

/** One contender's row. */
export interface ContenderRow {
  readonly label: string;
  readonly role: Role;
  readonly takeNote?: string;
  readonly result: ContenderResult;
  /** Key-source loads over the whole run (envelope contenders only). */
  readonly keyLoads?: number;
}

/** One backend's measurements. */
export interface BackendReport {
  readonly name: string;
  readonly title: string;
  /** What the harness started, for example `Redis server v=7.0.15 on 127.0.0.1:40123`. */
  readonly server: string;
  readonly operations: readonly Operation[];
  readonly throughput: boolean;
  readonly concurrency: number;
  /** Operations per contender per latency cell. */
  readonly ops: number;
  /** Operations per contender per throughput cell (0 without a throughput phase). */
  readonly throughputOps: number;
  /** Wall time of the measured phases in seconds. */
  readonly seconds: number;
  readonly rows: readonly ContenderRow[];
  readonly versions: Record<string, string>;
  readonly notes: readonly string[];
}

/** A whole run. */
export interface RunReport {
  /** ISO date and time the run started. */
  readonly date: string;
  readonly machine: MachineInfo;
  /** Load averages before and after the run. */
  readonly loadBefore: string;
  readonly loadAfter: string;
  /** The command line, for reproducing it. */
  readonly command: string;
  readonly warmup: number;
  readonly backends: readonly BackendReport[];
  /** Absent when Redis was not run. */
  readonly keyLoads?: KeyLoadResult;
  /** Wall time of the whole run in seconds. */
  readonly seconds: number;
}
