import type { DoctorReport } from './doctor';

/** The doctor's report as plain text: checks, then each finding with its cause and fix. */
export function formatDoctorReport(report: DoctorReport): string {
  const lines = [`oauth-store doctor ${report.server}`, ''];
  for (const check of report.checks) lines.push(`  [${check.ok ? ' ok ' : 'FAIL'}] ${check.name}: ${check.detail}`);
  lines.push('');
  if (report.findings.length === 0) {
    lines.push('No findings: metadata, registration, authorization and token client authentication look right.');
    return lines.join('\n');
  }
  for (const item of report.findings) {
    lines.push(`${item.severity.toUpperCase()} ${item.id}`);
    lines.push(`  ${item.summary}`);
    lines.push(`  Likely cause: ${item.cause}`);
    lines.push(`  Fix: ${item.fix}`);
    lines.push('');
  }
  lines.push(`${report.findings.length} finding(s). See docs/troubleshooting-client-not-registered.md.`);
  return lines.join('\n');
}
