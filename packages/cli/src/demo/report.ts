import type { ClientKind } from './login';
import type { DemoReport, RunSummary } from './run-demo';

const CLIENT_LABELS: Record<ClientKind, string> = {
  dcr: 'DCR client (dynamic registration)',
  cimd: 'CIMD client (metadata document URL)',
};

function clientCell(run: RunSummary, kind: ClientKind): string {
  const entry = run.clients?.[kind];
  return entry ? `${entry.succeeded} of ${entry.logins} succeeded` : '-';
}

function stickyCell(run: RunSummary, what: 'count' | 'p50' | 'trips' | 'ms' | 'lag'): string {
  const sticky = run.sticky;
  if (!sticky) return '-';
  if (what === 'count') return `${sticky.succeeded} of ${sticky.logins} succeeded`;
  if (what === 'p50') return `${sticky.p50Ms} ms`;
  if (what === 'trips') return String(sticky.storeRoundTripsPerLogin);
  if (what === 'lag') return `${sticky.eventLoopDelayMs} ms`;
  return `${sticky.storeMsPerLogin} ms`;
}

function probeCell(run: RunSummary, pick: (probe: { instances: number } & Record<string, unknown>) => string): string {
  const probe = run.tokenProbe;
  if (!probe) return '-';
  if ('error' in probe) return 'not measured';
  return pick(probe as unknown as { instances: number } & Record<string, unknown>);
}

function pad(text: string, width: number): string {
  return text.length >= width ? text : text + ' '.repeat(width - text.length);
}

/** The two runs side by side, as plain text for a terminal. */
export function formatDemoReport(report: DemoReport): string {
  const [first, second] = report.runs;
  const causes = [...new Set([...Object.keys(first.failuresByCause), ...Object.keys(second.failuresByCause)])];
  const count = (run: RunSummary, cause: string) => String(run.failuresByCause[cause] ?? 0);
  const kinds = (['dcr', 'cimd'] as const).filter((kind) => first.clients?.[kind] || second.clients?.[kind]);
  const rows: [string, string, string][] = [
    ['', `run 1: ${first.label}`, `run 2: ${second.label}`],
    ['store', first.store, second.store],
    ['instances (processes)', String(first.instances), String(second.instances)],
    ['logins', String(first.logins), String(second.logins)],
    ['succeeded', String(first.succeeded), String(second.succeeded)],
    ['failed', String(first.failed), String(second.failed)],
    ...causes.map((cause): [string, string, string] => [`  ${cause}`, count(first, cause), count(second, cause)]),
    ...kinds.map((kind): [string, string, string] => [
      `  ${CLIENT_LABELS[kind]}`,
      clientCell(first, kind),
      clientCell(second, kind),
    ]),
    ...(first.documentFetches !== undefined || second.documentFetches !== undefined
      ? [
          [
            '  metadata document fetches (fleet)',
            first.documentFetches === undefined ? '-' : `${first.documentFetches} for 1 document`,
            second.documentFetches === undefined ? '-' : `${second.documentFetches} for 1 document`,
          ] as [string, string, string],
        ]
      : []),
    ['access-token signing keys', first.signingKeys ?? '-', second.signingKeys ?? '-'],
    [
      'access token of one instance accepted by',
      probeCell(first, (p) => `${p.accessTokenAcceptedBy} of ${p.instances} instances`),
      probeCell(second, (p) => `${p.accessTokenAcceptedBy} of ${p.instances} instances`),
    ],
    [
      'replayed refresh token revokes its family on',
      probeCell(first, (p) =>
        p.reuseDetected ? `${p.familyRevokedOn} of ${p.instances} instances` : 'reuse not seen',
      ),
      probeCell(second, (p) =>
        p.reuseDetected ? `${p.familyRevokedOn} of ${p.instances} instances` : 'reuse not seen',
      ),
    ],
    [
      'store round trips per login',
      first.storeRoundTripsPerLogin === undefined ? '-' : `${first.storeRoundTripsPerLogin} (in-process memory)`,
      second.storeRoundTripsPerLogin === undefined ? '-' : String(second.storeRoundTripsPerLogin),
    ],
    ['login time p50', `${first.p50Ms} ms`, `${second.p50Ms} ms`],
    ['login time p99', `${first.p99Ms} ms`, `${second.p99Ms} ms`],
    ['sticky-session logins (pinned)', stickyCell(first, 'count'), stickyCell(second, 'count')],
    ['  login time p50', stickyCell(first, 'p50'), stickyCell(second, 'p50')],
    ['  store round trips per login', stickyCell(first, 'trips'), stickyCell(second, 'trips')],
    ['  time in store calls per login', stickyCell(first, 'ms'), stickyCell(second, 'ms')],
    ["  instances' mean event-loop delay", stickyCell(first, 'lag'), stickyCell(second, 'lag')],
    ['run wall time', `${(first.wallMs / 1000).toFixed(1)} s`, `${(second.wallMs / 1000).toFixed(1)} s`],
  ];
  const widths = [0, 1, 2].map((column) => Math.max(...rows.map((row) => row[column]?.length ?? 0)));
  const lines = rows.map((row) =>
    row
      .map((cell, column) => pad(cell, (widths[column] ?? 0) + 3))
      .join('')
      .trimEnd(),
  );
  lines.splice(1, 0, '-'.repeat(Math.min(120, (widths[0] ?? 0) + (widths[1] ?? 0) + (widths[2] ?? 0) + 6)));
  const verdict =
    first.failed > 0 && second.failed === 0
      ? `Per-instance storage broke ${first.failed} of ${first.logins} logins; the shared store broke none.`
      : `Run 1 failed ${first.failed} of ${first.logins}; run 2 failed ${second.failed} of ${second.logins}.`;
  return [
    ...lines,
    '',
    verdict,
    'Login time covers every attempt, failed ones included. Causes are the first error the MCP server answered with.',
    'Sticky-session logins stay on one instance (they succeed on per-instance memory too): their p50 compares the stores.',
    'Store round trips are counted below the envelope; time in store calls includes waiting for a busy event loop.',
    `Total wall time ${(report.wallMs / 1000).toFixed(1)} s; every process the demo started has been stopped.`,
  ].join('\n');
}
