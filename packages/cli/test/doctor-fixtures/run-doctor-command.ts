import { doctorCommand } from '../../src/commands/doctor';
import type { DoctorReport } from '../../src/doctor/report';
import { recordingIo } from '../support/io';

/** What `oauth-store doctor <url> --json ...` printed and returned, run in-process. */
export interface DoctorRun {
  exitCode: number;
  report: DoctorReport;
  /** The finding ids, worst first. */
  ids: string[];
}

/** Runs the doctor command as the CLI does (flags parsed, JSON report, exit code). */
export async function runDoctorCommand(url: string, ...flags: string[]): Promise<DoctorRun> {
  const io = recordingIo();
  const exitCode = await doctorCommand([url, '--json', ...flags], io);
  const report = JSON.parse(io.out) as DoctorReport;
  return { exitCode, report, ids: report.findings.map((item) => item.id) };
}
