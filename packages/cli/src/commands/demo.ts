import { ConfigurationError } from '@oauth-store/core';
import { SHAREABLE_SCHEMES } from '../adapter-registry';
import { integerFlag, parseCommand, stringFlag } from '../args';
import { missingDemoPackages } from '../demo/demo-packages';
import { RERUN_VARIABLE, rerunWithDemoPackages } from '../demo/fetch-demo-packages';
import { formatDemoReport } from '../demo/report';
import { assertShareableStore, runDemo } from '../demo/run-demo';
import type { CommandIo } from './io';

/** Help text of `oauth-store demo`. */
export const DEMO_HELP = `Usage: oauth-store demo [--instances N] [--logins M] [--concurrency C] [--store URL] [--json]

Reproduces "Client Not Registered" and shows the fix. Starts an upstream identity provider (oidc-provider, no DCR,
like GitHub), a round-robin balancer and N MCP server instances with an OAuth proxy, each in its own process, then
drives M complete logins with the MCP SDK's client twice: with per-instance memory storage (the framework default),
then with one shared store encrypted by @oauth-store/envelope. Everything it starts is stopped at the end.

Options:
  --instances N     MCP server processes (default 3)
  --logins M        logins per run (default 50)
  --concurrency C   logins in flight (default 5)
  --store URL       shared store for run 2: ${SHAREABLE_SCHEMES.join(', ')}
                    (default: an embedded PostgreSQL, nothing to install). See
                    https://github.com/oauth-store/oauth-store/blob/main/docs/cli.md
  --json            print the result as JSON on stdout

The demo's packages (the MCP SDK, oidc-provider, Express, PostgreSQL's binaries: about 92 MB) are optional peers of
the CLI. When they are not installed next to it, the demo fetches them with npx on first use and runs again.
`;

/** `oauth-store demo`. Resolves to the exit code. */
export async function demoCommand(args: string[], io: CommandIo): Promise<number> {
  const { values } = parseCommand('demo', args, {
    instances: { type: 'string' },
    logins: { type: 'string' },
    concurrency: { type: 'string' },
    store: { type: 'string' },
    json: { type: 'boolean' },
  });
  if (values.help) {
    io.stdout(DEMO_HELP);
    return 0;
  }
  const instances = integerFlag('demo', 'instances', values.instances, 3, 32);
  const logins = integerFlag('demo', 'logins', values.logins, 50, 100_000);
  const concurrency = integerFlag('demo', 'concurrency', values.concurrency, 5, 256);
  const store = stringFlag(values.store);
  if (store !== undefined) assertShareableStore(store);
  const missing = missingDemoPackages();
  if (missing.length > 0) {
    const install = `npm install ${missing.join(' ')}`;
    if (process.env[RERUN_VARIABLE]) {
      throw new ConfigurationError(`still missing ${missing.join(', ')} after fetching them; run: ${install}`, {
        source: 'demo',
      });
    }
    io.stderr(
      `oauth-store demo: fetching the demo's own packages with npx (first run only; other commands do not need them): ${missing.join(', ')}\n`,
    );
    const code = await rerunWithDemoPackages(missing, args, io.signal);
    if (code === undefined) {
      throw new ConfigurationError(
        `could not start npx to fetch ${missing.join(', ')}. Install them next to @oauth-store/cli: ${install}`,
        { source: 'demo' },
      );
    }
    return code;
  }
  const status = io.status;
  const startedAt = Date.now();
  const elapsed = () => `[${((Date.now() - startedAt) / 1000).toFixed(1).padStart(4)} s]`;
  const report = await runDemo({
    instances,
    logins,
    concurrency,
    ...(store !== undefined ? { store } : {}),
    signal: io.signal,
    onPhase: (phase) => status.phase(`${elapsed()} ${phase}`),
    onProgress: (run, progress) =>
      status.update(
        `run ${run}: ${progress.done}/${progress.total} logins, ${progress.failed} failed`,
        progress.last.ok,
      ),
  });
  status.done();
  io.stdout(values.json ? `${JSON.stringify(report, null, 2)}\n` : `${formatDemoReport(report)}\n`);
  return report.runs[1].failed === 0 ? 0 : 1;
}
