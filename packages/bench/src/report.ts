/** The data a run produces, as the table renderer and the target check read it. */

import type { ContenderAllocations } from './allocation-profile';
import type { Operation, Role } from './contender';
import type { KeyLoadResult } from './key-loads';
import type { LoginResult } from './login';
import type { MachineInfo } from './machine';
import type { ContenderProfile } from './profile';
import type { ContenderResult } from './runner';
import type { ScaleResult } from './scale-result';

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
  /** CPU profiles per contender role at concurrency 1 (absent with `--no-profile`). */
  readonly profiles?: Partial<Record<Role, ContenderProfile>>;
  /** CPU profiles per contender role at the throughput concurrency (absent with `--no-profile` or no throughput). */
  readonly throughputProfiles?: Partial<Record<Role, ContenderProfile>>;
  /** Sampled allocation profiles per contender role at concurrency 1 (absent with `--no-profile`). */
  readonly allocations?: Partial<Record<Role, ContenderAllocations>>;
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
  /** The listing/migration heap run; absent when skipped (`--scale 0`, or redis or postgres not in the run). */
  readonly scale?: ScaleResult;
  /** The demo's login comparison; absent with `--logins 0`. */
  readonly logins?: LoginResult;
  /** Why the login comparison did not run to the end, when it did not. */
  readonly loginError?: string;
  /** Wall time of the whole run in seconds. */
  readonly seconds: number;
}
