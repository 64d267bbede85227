import { integerFlag, parseCommand, stringFlag } from '../args';
import { DEFAULT_ATTEMPTS } from '../doctor/attempts';
import { runDoctor } from '../doctor/doctor';
import { formatDoctorReport } from '../doctor/format';
import { exitCodeOf } from '../doctor/report';
import { UsageError } from '../usage-error';
import type { CommandIo } from './io';

/** Help text of `oauth-store doctor`. */
export const DOCTOR_HELP = `Usage: oauth-store doctor <mcp-server-url> [--attempts K] [--timeout MS] [--login | --login-auto] [--json]

Diagnoses an MCP server's OAuth setup as a client meets it: RFC 9728 and RFC 8414 metadata, the advertised
endpoints, client ID metadata documents (CIMD: advertised? DCR as the only registration path is a warning, since the
MCP spec of 2026-07-28 deprecates it; for a server on loopback, a CIMD client whose document the doctor serves on
127.0.0.1 is sent through /authorize), dynamic client registration, K authorization requests with the registered
client (an intermittent "client not registered" means per-instance storage, or per-instance keys, behind a load
balancer), the redirect URI and scopes, and client authentication at the token endpoint (right, wrong and no secret).
It registers test clients; it logs in only when asked to.

Options:
  --attempts K        authorization requests to send (default ${DEFAULT_ATTEMPTS}: recognises a 2-6 instance fleet)
  --timeout MS        per-request timeout (default 5000)
  --login             also log in, in your browser: open the printed URL, sign in; the redirect comes back to a
                      loopback port. Then K MCP calls and one refresh find tokens refused across instances.
  --login-auto        the same login, automated, for test upstreams only: the doctor submits the login and consent
                      forms itself (typing --login-user and the OAUTH_STORE_DOCTOR_PASSWORD variable, default "doctor")
  --login-user NAME   user name the automated login types (default "doctor")
  --logins N          automated logins to run (default 3)
  --json              print the report as JSON

Nothing of a login (code, tokens) is stored or printed.
Exit code: 0 no findings (or only info), 1 an error or warning finding, 2 usage error.
`;

/** `oauth-store doctor`. Resolves to the exit code. */
export async function doctorCommand(args: string[], io: CommandIo): Promise<number> {
  const { values, positionals } = parseCommand('doctor', args, {
    attempts: { type: 'string' },
    timeout: { type: 'string' },
    login: { type: 'boolean' },
    'login-auto': { type: 'boolean' },
    'login-user': { type: 'string' },
    logins: { type: 'string' },
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
  if (values.login && values['login-auto']) {
    throw new UsageError('doctor: give --login (in your browser) or --login-auto (automated), not both.');
  }
  const login = values['login-auto'] ? 'automated' : values.login ? 'browser' : undefined;
  const report = await runDoctor(url, {
    attempts: integerFlag('doctor', 'attempts', values.attempts, DEFAULT_ATTEMPTS, 1_000),
    timeoutMs: integerFlag('doctor', 'timeout', values.timeout, 5_000, 600_000),
    ...(login ? { login } : {}),
    logins: integerFlag('doctor', 'logins', values.logins, 3, 20),
    ...(stringFlag(values['login-user']) ? { loginUser: stringFlag(values['login-user']) } : {}),
    ...(process.env.OAUTH_STORE_DOCTOR_PASSWORD ? { loginPassword: process.env.OAUTH_STORE_DOCTOR_PASSWORD } : {}),
    showAuthorizationUrl: (authorizationUrl) => {
      io.stderr(`Open this URL in your browser and sign in (waiting up to 5 minutes):\n\n  ${authorizationUrl}\n\n`);
    },
  });
  io.stdout(values.json ? `${JSON.stringify(report, null, 2)}\n` : `${formatDoctorReport(report)}\n`);
  return exitCodeOf(report);
}
