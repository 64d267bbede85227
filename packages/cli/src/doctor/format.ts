import { FRAMEWORK_NAMES } from './framework';
import type { DoctorReport } from './report';

/**
 * The doctor's report as plain text: checks, then each finding with its cause, how to confirm it and the fix. When
 * the server's framework was recognised only its fix is printed (the JSON report has them all); otherwise each
 * framework's.
 */
export function formatDoctorReport(report: DoctorReport): string {
  const lines = [`oauth-store doctor ${report.server}`];
  if (report.framework) lines.push(`Looks like: ${FRAMEWORK_NAMES[report.framework]}`);
  lines.push('');
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
    lines.push(`  Confirm: ${item.confirm}`);
    lines.push(`  Fix: ${item.fix}`);
    const detected = item.frameworkFixes.filter((fix) => fix.framework === report.framework);
    for (const fix of detected.length ? detected : item.frameworkFixes) lines.push(`  - ${fix.name}: ${fix.fix}`);
    lines.push('');
  }
  lines.push(
    `${report.findings.length} finding(s). See https://github.com/oauth-store/oauth-store/blob/main/docs/troubleshooting-client-not-registered.md (a section per finding id).`,
  );
  return lines.join('\n');
}
