import type { Finding } from './findings';
import type { Framework } from './framework';

/** One check the doctor ran, passed or not, for the human report. */
export interface Check {
  name: string;
  ok: boolean;
  detail: string;
}

/** What `runDoctor` found. */
export interface DoctorReport {
  /** The MCP server URL examined. */
  server: string;
  /** The framework the server looks built on, when the doctor could tell. */
  framework?: Framework;
  checks: Check[];
  /** Problems, worst first. Empty when the server looks healthy. */
  findings: Finding[];
}

const ORDER = { error: 0, warn: 1, info: 2 } as const;

/** Findings worst first (stable within one severity: the order they were found in). */
export function worstFirst(findings: Finding[]): Finding[] {
  return [...findings].sort((a, b) => ORDER[a.severity] - ORDER[b.severity]);
}

/** The exit code of `oauth-store doctor` for a report: 1 when any finding is an error or a warning, else 0. */
export function exitCodeOf(report: DoctorReport): number {
  return report.findings.some((item) => item.severity !== 'info') ? 1 : 0;
}
