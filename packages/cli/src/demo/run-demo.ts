import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { ConfigurationError } from '@oauth-store/core';
import { SHAREABLE_SCHEMES } from '../adapter-registry';
import { isShareable, openStore, parseStoreUrl, redactStoreUrl } from '../connection-string';
import { writeKeyFile } from '../keys';
import { UsageError } from '../usage-error';
import { type CimdDocumentServer, startCimdDocumentServer } from './cimd-document-server';
import { type DemoCluster, startDemoCluster } from './cluster';
import type { RoundTripCounts } from './counting-store';
import { missingDemoPackages } from './demo-packages';
import { type EmbeddedPostgres, startEmbeddedPostgres } from './embedded-postgres';
import { removedNormally, removeOnExit } from './exit-cleanup';
import type { ClientKind, LoginOptions, LoginResult } from './login';
import { type LoginProgress, runLogins } from './run-logins';
import { probeTokens, type TokenProbeResult } from './token-probes';

/** Options of {@link runDemo}. */
export interface DemoOptions {
  /** MCP server instances, each in its own process. Default 3. */
  instances?: number;
  /** Complete logins per run. Default 50. */
  logins?: number;
  /** Logins in flight at once. Default 5. */
  concurrency?: number;
  /** Logins with sticky sessions per run, after the balanced ones (like-for-like timing). Default min(logins, 10). */
  stickyLogins?: number;
  /** Shared store for run 2 (a connection string); absent starts an embedded PostgreSQL. */
  store?: string;
  /** Hears about every finished login. */
  onProgress?: (run: 1 | 2, progress: LoginProgress) => void;
  /** Hears about phases (starting servers, ...), for a status line. */
  onPhase?: (phase: string) => void;
  /** Aborts the demo; everything started is stopped. */
  signal?: AbortSignal;
}

/** What one run measured. */
export interface RunSummary {
  label: string;
  /** The store, with any password hidden. */
  store: string;
  instances: number;
  logins: number;
  succeeded: number;
  failed: number;
  /** Failed logins by cause (the first refusal of the MCP server), most frequent first. */
  failuresByCause: Record<string, number>;
  /** Login time percentiles over every login of the run, in ms. */
  p50Ms: number;
  p99Ms: number;
  /** Wall time of the run's logins, in ms. */
  wallMs: number;
  /** Logins per client type (`dcr`: dynamic client registration, `cimd`: a Client ID Metadata Document). */
  clients: Partial<Record<ClientKind, ClientTypeSummary>>;
  /** Where the instances' access-token signing keys live. */
  signingKeys?: string;
  /**
   * Calls the instances made to their store during the run's logins, divided by the logins (failed ones included, so
   * a run whose logins fail early makes fewer). Counted below the envelope wrapper: one call is one round trip to a
   * remote backend.
   */
  storeRoundTripsPerLogin?: number;
  /** Time the instances waited for those calls, per login (ms, summed over the login's calls). */
  storeMsPerLogin?: number;
  /** The same calls by operation, summed over the run (`ms`: time spent waiting for them). */
  storeRoundTrips?: RoundTripCounts;
  /**
   * Requests the CIMD client's document host answered during the run's logins: how many times the fleet fetched the
   * one metadata document (at most one per instance with per-instance caches, one with the shared store).
   */
  documentFetches?: number;
  /**
   * Logins with sticky sessions (each pinned to one instance, as with session affinity at the balancer), after the
   * balanced ones: they succeed on per-instance memory too, so their p50 and store calls compare the stores like for
   * like (the balanced run 1 fails early, which makes its logins short).
   */
  sticky?: {
    logins: number;
    succeeded: number;
    p50Ms: number;
    storeRoundTripsPerLogin: number;
    storeMsPerLogin: number;
    /**
     * The instances' mean event-loop delay during these logins (ms): how late a process gets round to what is due,
     * for example a store answer that has arrived. On a CPU-starved machine it, not the database, is what a store
     * round trip costs.
     */
    eventLoopDelayMs: number;
  };
  /** The signing-key and refresh-token-replay checks (see `token-probes.ts`), or why they could not run. */
  tokenProbe?: TokenProbeResult | { error: string };
}

/** How the logins of one client type went. */
export interface ClientTypeSummary {
  logins: number;
  succeeded: number;
  failed: number;
}

/** The whole demo's result. */
export interface DemoReport {
  runs: [RunSummary, RunSummary];
  /** Wall time from start to everything stopped, in ms. */
  wallMs: number;
  /** Every process the demo started (instances and PostgreSQL), all stopped by the time this is returned. */
  pids: number[];
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;
}

/** Reduces a run's login results to a {@link RunSummary}. */
export function summarize(
  label: string,
  store: string,
  instances: number,
  results: LoginResult[],
  wallMs: number,
): RunSummary {
  const causes = new Map<string, number>();
  for (const result of results)
    if (!result.ok) causes.set(result.cause ?? 'unknown', (causes.get(result.cause ?? 'unknown') ?? 0) + 1);
  const times = results.map((result) => result.ms).sort((a, b) => a - b);
  const failed = results.filter((result) => !result.ok).length;
  const clients: Partial<Record<ClientKind, ClientTypeSummary>> = {};
  for (const result of results) {
    const kind = result.client ?? 'dcr';
    const entry = clients[kind] ?? { logins: 0, succeeded: 0, failed: 0 };
    clients[kind] = entry;
    entry.logins += 1;
    if (result.ok) entry.succeeded += 1;
    else entry.failed += 1;
  }
  return {
    label,
    store,
    instances,
    logins: results.length,
    succeeded: results.length - failed,
    failed,
    failuresByCause: Object.fromEntries([...causes].sort((a, b) => b[1] - a[1])),
    p50Ms: Math.round(percentile(times, 50)),
    p99Ms: Math.round(percentile(times, 99)),
    wallMs: Math.round(wallMs),
    clients,
  };
}

function roundTripsBetween(
  before: RoundTripCounts & { eventLoopDelayMs: number },
  after: RoundTripCounts & { eventLoopDelayMs: number },
): RoundTripCounts {
  const { eventLoopDelayMs: _before, ...difference } = { ...after };
  for (const operation of Object.keys(difference) as (keyof RoundTripCounts)[])
    difference[operation] -= before[operation];
  return difference;
}

/** What one run needs besides the cluster. */
interface RunPlan {
  label: string;
  store: string;
  signingKeys: string;
  logins: number;
  concurrency: number;
  optionsFor: (index: number) => LoginOptions;
  /** Logins with sticky sessions after the balanced ones. */
  stickyLogins: number;
  /** Awaited before the sticky-session logins (so their timing is not shared with a server still starting). */
  beforeSticky?: () => Promise<unknown>;
  documents?: CimdDocumentServer;
  onProgress?: (progress: LoginProgress) => void;
  signal?: AbortSignal;
}

/**
 * One run: the logins through the balancer (with the store round trips the instances made meanwhile), then the token
 * probes with a login pinned to the first instance.
 */
async function measureRun(cluster: DemoCluster, plan: RunPlan): Promise<RunSummary> {
  const before = await cluster.storeRoundTrips();
  const fetchesBefore = plan.documents?.fetches() ?? 0;
  const started = performance.now();
  const results = await runLogins(
    cluster.mcpUrl,
    plan.logins,
    plan.concurrency,
    plan.onProgress,
    plan.signal,
    plan.optionsFor,
  );
  const wallMs = performance.now() - started;
  const used = roundTripsBetween(before, await cluster.storeRoundTrips());
  const documentFetches = (plan.documents?.fetches() ?? 0) - fetchesBefore;
  const { ms: storeMs, ...calls } = used;
  const summary = summarize(plan.label, plan.store, cluster.ports.length, results, wallMs);
  plan.signal?.throwIfAborted();

  // The same logins with sticky sessions (each pinned to one instance): they succeed on per-instance memory too, so
  // their time and store calls compare the two stores like for like.
  await plan.beforeSticky?.();
  const stickyBefore = await cluster.storeRoundTrips();
  const ports = cluster.ports;
  const sticky = await runLogins(
    cluster.mcpUrl,
    plan.stickyLogins,
    plan.concurrency,
    undefined,
    plan.signal,
    (index) => ({
      ...plan.optionsFor(index),
      pinPort: ports[index % ports.length] as number,
    }),
  );
  const stickyAfter = await cluster.storeRoundTrips();
  const stickyUsed = roundTripsBetween(stickyBefore, stickyAfter);
  const stickySummary = summarize('sticky', plan.store, ports.length, sticky, 0);

  const probeLogin = sticky.find((result) => result.credentials && result.pinPort !== undefined);
  const tokenProbe: TokenProbeResult | { error: string } =
    probeLogin?.credentials && probeLogin.pinPort !== undefined
      ? await probeTokens(probeLogin.pinPort, ports, probeLogin.credentials)
      : { error: `no login pinned to one instance succeeded: ${sticky[0]?.cause ?? 'none ran'}` };
  return {
    ...summary,
    signingKeys: plan.signingKeys,
    storeRoundTripsPerLogin: perLogin(calls, results.length),
    storeMsPerLogin: results.length ? Math.round((storeMs / results.length) * 10) / 10 : 0,
    storeRoundTrips: used,
    ...(plan.documents ? { documentFetches } : {}),
    sticky: {
      logins: stickySummary.logins,
      succeeded: stickySummary.succeeded,
      p50Ms: stickySummary.p50Ms,
      storeRoundTripsPerLogin: perLogin(stickyUsed, sticky.length),
      storeMsPerLogin: sticky.length ? Math.round((stickyUsed.ms / sticky.length) * 10) / 10 : 0,
      eventLoopDelayMs: Math.round(stickyAfter.eventLoopDelayMs * 10) / 10,
    },
    tokenProbe,
  };
}

/** Store calls per login, one decimal. */
function perLogin(used: Omit<RoundTripCounts, 'ms'> & { ms?: number }, logins: number): number {
  const { ms: _ms, ...calls } = used;
  const total = Object.values(calls).reduce((sum, count) => sum + count, 0);
  return logins ? Math.round((total / logins) * 10) / 10 : 0;
}

/** Collections the demo's instances write under `prefix`, as ClientStore and TransactionStore name them. */
function demoCollections(prefix: string): string[] {
  return [
    'clients',
    'transactions',
    'consent-tokens',
    'codes',
    'code-tombstones',
    'upstream-tokens',
    'token-mappings',
    'refresh-tokens',
    // @oauth-store/tokens under the demo's tokens prefix (see mcp-instance.ts).
    'tokens:refresh-tokens',
    'tokens:refresh-families',
    'tokens:signing-keys',
    // @oauth-store/cimd's cached documents and fetch locks.
    'cimd',
  ].map((name) => `${prefix}${name}`);
}

/** Deletes what the demo wrote into a store the user gave (only its own randomly prefixed collections). */
async function deleteDemoData(store: string, prefix: string): Promise<void> {
  const opened = await openStore(store);
  try {
    for (const collection of demoCollections(prefix)) {
      for (;;) {
        const page = await opened.list(collection, { limit: 500 });
        if (page.keys.length === 0) break;
        await Promise.all(page.keys.map((key) => opened.delete(collection, key)));
      }
    }
  } finally {
    await opened.close();
  }
}

/** Throws a usage error when `store` lives inside one process (`memory:`, `pglite:`): instances could not share it. */
export function assertShareableStore(store: string): void {
  if (!isShareable(parseStoreUrl(store))) {
    throw new UsageError(
      `--store ${parseStoreUrl(store).backend}: lives inside one process and cannot be shared by instances in separate processes. Pass one of ${SHAREABLE_SCHEMES.join(', ')}, or omit --store for an embedded PostgreSQL.`,
    );
  }
}

/**
 * The demo: reproduces "Client Not Registered" with per-instance memory storage behind a round-robin balancer, then
 * shows the same logins succeed with a shared, envelope-encrypted store. Starts an upstream IdP (oidc-provider), a
 * balancer and N MCP server instances (child processes), drives M complete logins with the MCP SDK's client in each
 * mode, and stops everything it started, whatever happens.
 */
export async function runDemo(options: DemoOptions = {}): Promise<DemoReport> {
  const instances = options.instances ?? 3;
  const logins = options.logins ?? 50;
  const concurrency = options.concurrency ?? 5;
  const stickyLogins = options.stickyLogins ?? Math.min(logins, 10);
  const phase = options.onPhase ?? (() => {});
  if (options.store !== undefined) assertShareableStore(options.store);
  const missing = missingDemoPackages();
  if (missing.length > 0) {
    throw new ConfigurationError(
      `the demo needs packages that are not installed: ${missing.join(', ')}. Install them next to @oauth-store/cli: npm install ${missing.join(' ')}`,
      { source: 'demo' },
    );
  }
  const started = performance.now();
  const pids = new Set<number>();
  const dir = await mkdtemp(join(tmpdir(), 'oauth-store-demo-'));
  removeOnExit(dir);
  let cluster: DemoCluster | undefined;
  let postgres: EmbeddedPostgres | undefined;
  let postgresStarting: Promise<EmbeddedPostgres> | undefined;
  const prefix = `demo-${randomBytes(4).toString('hex')}-`;
  // Logins alternate between a DCR client and a CIMD client (the 2026-07-28 spec's registration).
  const clientKinds: ClientKind[] = ['dcr', 'cimd'];
  let documents: CimdDocumentServer | undefined;
  const optionsFor = (index: number): LoginOptions => {
    const client = clientKinds[index % clientKinds.length] as ClientKind;
    return client === 'cimd' && documents ? { client, clientMetadataUrl: documents.clientId } : { client: 'dcr' };
  };
  let runs: [RunSummary, RunSummary];
  try {
    // As a user would run `oauth-store keys generate --out FILE`.
    const keyFile = join(dir, 'demo.key');
    await writeKeyFile(keyFile);
    if (options.store === undefined) {
      phase('starting embedded PostgreSQL');
      postgresStarting = startEmbeddedPostgres();
      postgresStarting.catch(() => {});
    }
    documents = await startCimdDocumentServer();
    phase(`starting the upstream IdP, a balancer and ${instances} MCP server instances (memory storage)`);
    cluster = await startDemoCluster({
      instances,
      store: 'memory:',
      collectionPrefix: prefix,
      signingKeys: 'per-instance',
    });
    for (const pid of cluster.pids) pids.add(pid);
    options.signal?.throwIfAborted();

    phase('run 1: per-instance memory storage');
    const run1 = await measureRun(cluster, {
      label: 'per-instance memory',
      store: 'memory: (each instance its own)',
      signingKeys: 'one per instance (memory)',
      logins,
      concurrency,
      optionsFor,
      stickyLogins,
      // The embedded PostgreSQL starts (initdb) during run 1: let it finish first, so it does not slow these down.
      beforeSticky: () => postgresStarting?.catch(() => undefined) ?? Promise.resolve(),
      documents,
      onProgress: (p) => options.onProgress?.(1, p),
      ...(options.signal ? { signal: options.signal } : {}),
    });

    let shared = options.store;
    let storeLabel = shared ? redactStoreUrl(shared) : '';
    if (postgresStarting) {
      phase('waiting for embedded PostgreSQL');
      postgres = await postgresStarting;
      if (postgres.pid) pids.add(postgres.pid);
      shared = postgres.url;
      storeLabel = 'embedded PostgreSQL';
    }
    phase(`restarting ${instances} instances on the shared store`);
    await cluster.restart({
      instances,
      store: shared as string,
      keyFile,
      collectionPrefix: prefix,
      signingKeys: 'shared',
    });
    for (const pid of cluster.pids) pids.add(pid);
    options.signal?.throwIfAborted();

    phase('run 2: shared store with envelope encryption');
    const run2 = await measureRun(cluster, {
      label: 'shared store',
      store: `${storeLabel} + envelope encryption`,
      signingKeys: 'one keyring in the shared store',
      logins,
      concurrency,
      optionsFor,
      stickyLogins,
      documents,
      onProgress: (p) => options.onProgress?.(2, p),
      ...(options.signal ? { signal: options.signal } : {}),
    });

    phase('stopping');
    runs = [run1, run2];
  } finally {
    await cluster?.close();
    await documents?.close();
    // Best effort, also after an error or Ctrl-C: only the demo's own randomly prefixed collections.
    if (options.store !== undefined) await deleteDemoData(options.store, prefix).catch(() => {});
    postgres ??= await postgresStarting?.catch(() => undefined);
    await postgres?.stop();
    await rm(dir, { recursive: true, force: true });
    removedNormally(dir);
  }
  return { runs, wallMs: Math.round(performance.now() - started), pids: [...pids] };
}
