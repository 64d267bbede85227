import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { type Balancer, startBalancer } from './balancer';
import { askRoundTrips, forkInstance, stopChildren, waitReady } from './child-processes';
import type { RoundTripCounts } from './counting-store';
import type { McpInstanceConfig } from './mcp-instance';
import { startUpstreamIdp, type UpstreamIdp } from './upstream-idp';

/** The demo's servers: an upstream IdP, a balancer, and MCP server instances in their own processes. */
export interface DemoCluster {
  /** The MCP endpoint clients use (through the balancer), for example `http://127.0.0.1:PORT/mcp`. */
  readonly mcpUrl: string;
  /** The balancer's base URL (the issuer). */
  readonly baseUrl: string;
  /** Process ids of the running instances. */
  readonly pids: number[];
  /** Loopback ports of the running instances (to reach each one directly, bypassing the balancer). */
  readonly ports: number[];
  /**
   * The store calls each running instance has made since it started (summed over instances), and the instances' mean
   * event-loop delay (ms) since the previous call.
   */
  storeRoundTrips(): Promise<RoundTripCounts & { eventLoopDelayMs: number }>;
  /** Replaces the instances with `count` new ones on `store`; the balancer and IdP stay. */
  restart(options: InstanceOptions): Promise<void>;
  /** Stops the instances only. */
  stopInstances(): Promise<void>;
  /** Stops everything. Safe to call twice. */
  close(): Promise<void>;
}

/** How instances are started. */
export interface InstanceOptions {
  /** Number of instance processes. */
  instances: number;
  /** Store connection string every instance opens (`memory:` gives each its own). */
  store: string;
  /** Key file for envelope encryption; absent stores plaintext. */
  keyFile?: string;
  /** Prefix of every collection; default a random `demo-XXXX-` so runs never meet. */
  collectionPrefix?: string;
  /** Where access-token signing keys live (see {@link McpInstanceConfig.signingKeys}). Default `shared`. */
  signingKeys?: McpInstanceConfig['signingKeys'];
}

/** How long an instance may take to start (tsx compiles the sources on first start of a cold machine). */
const START_TIMEOUT_MS = 30_000;

/** Starts the IdP and the balancer, then the instances. */
export async function startDemoCluster(options: InstanceOptions): Promise<DemoCluster> {
  const balancer: Balancer = await startBalancer();
  let idp: UpstreamIdp | undefined;
  let children: ChildProcess[] = [];
  let ports: number[] = [];
  let closed = false;
  const stopInstances = async () => {
    balancer.setBackends([]);
    ports = [];
    const stopping = children;
    children = [];
    await stopChildren(stopping);
  };
  const close = async () => {
    if (closed) return;
    closed = true;
    await stopInstances();
    await Promise.allSettled([balancer.close(), idp?.close()]);
  };
  const restart = async (next: InstanceOptions) => {
    await stopInstances();
    const upstream = idp as UpstreamIdp;
    const prefix = next.collectionPrefix ?? `demo-${randomBytes(4).toString('hex')}-`;
    const started = Array.from({ length: next.instances }, (_, index) => {
      const config: McpInstanceConfig = {
        instanceId: `instance-${index + 1}`,
        publicUrl: balancer.url,
        store: next.store,
        ...(next.keyFile ? { keyFile: next.keyFile } : {}),
        collectionPrefix: prefix,
        signingKeys: next.signingKeys ?? 'shared',
        // The demo's CIMD client serves its document on 127.0.0.1 over HTTP: the explicit local-development opt-in.
        cimd: { allowLoopbackDocuments: true },
        upstream: {
          ...upstream.client,
          authorizationEndpoint: upstream.authorizationEndpoint,
          tokenEndpoint: upstream.tokenEndpoint,
        },
      };
      return forkInstance(config);
    });
    children = started;
    ports = await Promise.all(started.map((child) => waitReady(child, START_TIMEOUT_MS)));
    balancer.setBackends(ports);
  };
  try {
    idp = await startUpstreamIdp(`${balancer.url}/oauth/callback`);
    await restart(options);
  } catch (error) {
    await close();
    throw error;
  }
  return {
    mcpUrl: `${balancer.url}/mcp`,
    baseUrl: balancer.url,
    get pids() {
      return children.map((child) => child.pid).filter((pid): pid is number => pid !== undefined);
    },
    get ports() {
      return [...ports];
    },
    storeRoundTrips: async () => {
      const each = await Promise.all(children.map((child) => askRoundTrips(child, START_TIMEOUT_MS)));
      const total: RoundTripCounts = { get: 0, getEntry: 0, set: 0, delete: 0, take: 0, list: 0, ms: 0 };
      for (const { counts } of each)
        for (const operation of Object.keys(total) as (keyof RoundTripCounts)[]) total[operation] += counts[operation];
      const delays = each.map((answer) => answer.eventLoopDelayMs);
      const eventLoopDelayMs = delays.length ? delays.reduce((sum, delay) => sum + delay, 0) / delays.length : 0;
      return { ...total, eventLoopDelayMs };
    },
    restart,
    stopInstances,
    close,
  };
}
