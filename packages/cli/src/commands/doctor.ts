import { integerFlag, parseCommand } from '../args';
import { runDoctor } from '../doctor/doctor';
import { formatDoctorReport } from '../doctor/format';
import { UsageError } from '../usage-error';
import type { CommandIo } from './io';

/** Help text of `oauth-store doctor`. */
export const DOCTOR_HELP = `Usage: oauth-store doctor <mcp-server-url> [--attempts K] [--timeout MS] [--json]

Diagnoses an MCP server's OAuth setup as a client meets it: RFC 9728 and RFC 8414 metadata, the advertised
endpoints, dynamic client registration, K authorization requests with the registered client (an intermittent
"client not registered" means per-instance storage behind a load balancer), the redirect URI and scopes, and client
authentication at the token endpoint. It registers one test client and never logs in.

Options:
  --attempts K   authorization requests to send (default 10)
  --timeout MS   per-request timeout (default 5000)
  --json         print the report as JSON

Exit code: 0 no findings, 1 an error or warning finding, 2 usage error.
`;

/** `oauth-store doctor`. Resolves to the exit code. */
export async function doctorCommand(args: string[], io: CommandIo): Promise<number> {
  const { values, positionals } = parseCommand('doctor', args, {
    attempts: { type: 'string' },
    timeout: { type: 'string' },
    json: { type: 'boolean' },
  });
  if (values.help) {
    io.stdout(DOCTOR_HELP);
    return 0;
  }
  const [url, extra] = positionals;
  if (!url || extra !== undefined) {
    throw new UsageError(
      'doctor: give exactly one MCP server URL, as in `oauth-store doctor https://mcp.example.com/mcp`.',
    );
  }
  if (!URL.canParse(url) || !/^https?:$/.test(new URL(url).protocol)) {
    throw new UsageError('doctor: the server URL must be an http:// or https:// URL of the MCP endpoint.');
  }
  const report = await runDoctor(url, {
    attempts: integerFlag('doctor', 'attempts', values.attempts, 10, 1_000),
    timeoutMs: integerFlag('doctor', 'timeout', values.timeout, 5_000, 600_000),
  });
  io.stdout(values.json ? `${JSON.stringify(report, null, 2)}\n` : `${formatDoctorReport(report)}\n`);
  return report.findings.some((item) => item.severity !== 'info') ? 1 : 0;
}
