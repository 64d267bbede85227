import type { StatusLine } from '../status-line';

/** What a command reads and writes, so tests can run commands in-process. */
export interface CommandIo {
  /** Results (tables, JSON) go here. */
  stdout(text: string): void;
  /** Diagnostics go here. */
  stderr(text: string): void;
  /** Progress on stderr. */
  status: StatusLine;
  /** Aborted on SIGINT/SIGTERM. */
  signal: AbortSignal;
}
