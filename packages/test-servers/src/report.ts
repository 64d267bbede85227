/**
 * What served each backend, for the setup log and for CI: when `OAUTH_STORE_TEST_REPORT` names a file, every backend
 * the harness provides appends one JSON line to it ({@link ServedBackend}). The testcontainers CI leg reads that file
 * to assert that the testcontainers way, and not a fallback, served each backend.
 */
import { appendFileSync } from 'node:fs';
import type { BackendWay } from './way';

/** The environment variable naming the report file (JSON lines, appended). */
export const REPORT_FILE_VAR = 'OAUTH_STORE_TEST_REPORT';

/** One line of the report: a backend, the way that served it, and how long getting it took. */
export interface ServedBackend {
  /** The backend's harness name (`redis`, `postgres`, ...). */
  backend: string;
  /** The way that served it. */
  way: BackendWay;
  /** Milliseconds from asking to a backend that answers. */
  startMs: number;
  /** What runs, as in the setup log. */
  description: string;
  /** The process that asked (a jest run's main process). */
  pid: number;
}

/** Appends one line to the report file, if one is configured. */
export function reportServed(served: Omit<ServedBackend, 'pid'>): void {
  const file = process.env[REPORT_FILE_VAR];
  if (!file) return;
  appendFileSync(file, `${JSON.stringify({ ...served, pid: process.pid })}\n`);
}
