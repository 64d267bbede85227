/**
 * Entry point of one demo MCP server instance, run as a child process by the demo (forked with an IPC channel).
 * Reads its {@link McpInstanceConfig} from the `OAUTH_STORE_DEMO_INSTANCE` environment variable, reports
 * `{ type: 'ready', port }` (or `{ type: 'failed', message }`) to the parent, and exits when the parent disconnects,
 * so an instance never outlives the demo, even when the parent is killed.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { type McpInstance, type McpInstanceConfig, startMcpInstance } from './mcp-instance';

let instance: McpInstance | undefined;
let stopping = false;

async function stop(code: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  // Bounded: a store that cannot close must not keep the process alive.
  const timer = setTimeout(() => process.exit(code), 2_000);
  timer.unref();
  await instance?.close().catch(() => {});
  process.exit(code);
}

process.on('disconnect', () => void stop(0));
// How late the event loop runs what is due: the wait a store answer has before this process can act on it.
const eventLoopDelay = monitorEventLoopDelay({ resolution: 10 });
eventLoopDelay.enable();
// The parent asks for the store round trips this instance made (the demo's "round trips per login"), and the mean
// event-loop delay since it last asked.
process.on('message', (message: { type?: string }) => {
  if (message?.type === 'round-trips' && instance) {
    const delayMs = Number.isFinite(eventLoopDelay.mean) ? eventLoopDelay.mean / 1e6 : 0;
    eventLoopDelay.reset();
    process.send?.({ type: 'round-trips', counts: instance.roundTrips(), eventLoopDelayMs: delayMs });
  }
});
process.on('SIGTERM', () => void stop(0));
process.on('SIGINT', () => void stop(0));

try {
  const config = JSON.parse(process.env.OAUTH_STORE_DEMO_INSTANCE ?? '') as McpInstanceConfig;
  instance = await startMcpInstance(config);
  process.send?.({ type: 'ready', port: instance.port });
} catch (error) {
  process.send?.({ type: 'failed', message: error instanceof Error ? error.message : String(error) });
  await stop(1);
}
