/**
 * What every container the harness starts shares: loading testcontainers (only when the testcontainers way is used,
 * since testcontainers 12 needs Node >= 22.22 and the rest of the harness runs on Node 20), the labels that mark a
 * container or network as the harness's, removing leftovers of runs that died, one network per backend, and ports
 * published on 127.0.0.1 only.
 *
 * Ryuk (testcontainers' reaper container) is off unless the user sets `TESTCONTAINERS_RYUK_DISABLED` themselves: its
 * image is often unreachable (no registry), and the harness does the same job: it stops its containers on teardown,
 * removes them on process exit, and, for a run that was killed, removes them on the next start.
 */
import { execFileSync } from 'node:child_process';
import { hostname } from 'node:os';
import type { GenericContainer, StartedTestContainer } from 'testcontainers';
import type { RunningBackend } from '../backend';

/** Label on every container and network the harness creates. */
export const HARNESS_LABEL = 'oauth-store.test-servers';
/** Label saying which process owns it (`<hostname>:<pid>`), so leftovers of a dead process can be told apart. */
export const OWNER_LABEL = 'oauth-store.test-servers.owner';
/** Label naming the backend it serves. */
export const BACKEND_LABEL = 'oauth-store.test-servers.backend';

const HOST = '127.0.0.1';
const MIN_NODE = [22, 22] as const;

type Testcontainers = typeof import('testcontainers');

/** The labels for a container or network serving `backend`, owned by this process. */
export function harnessLabels(backend: string): Record<string, string> {
  return { [HARNESS_LABEL]: 'true', [OWNER_LABEL]: `${hostname()}:${process.pid}`, [BACKEND_LABEL]: backend };
}

function checkNodeVersion(): void {
  const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
  if (major < MIN_NODE[0] || (major === MIN_NODE[0] && minor < MIN_NODE[1])) {
    throw new Error(
      `testcontainers 12 needs Node >= ${MIN_NODE.join('.')} and this is Node ${process.versions.node}; run the tests ` +
        'with a newer Node (for example `npx -y node@22 scripts/run-jest.mjs ...`, see docs/testing.md)',
    );
  }
}

let loaded: Promise<Testcontainers> | undefined;

/**
 * Loads testcontainers once per process, after checking the Node version, turning Ryuk off unless the user decided,
 * and removing containers and networks left behind by harness processes that no longer run.
 */
export function loadTestcontainers(): Promise<Testcontainers> {
  loaded ??= (async () => {
    checkNodeVersion();
    process.env.TESTCONTAINERS_RYUK_DISABLED ??= 'true';
    // Ports are published on 127.0.0.1, so that is where the engine's containers are reached. Without this,
    // testcontainers running inside a container itself (a /.dockerenv file, as on CI machines) picks the bridge
    // gateway as the host and waits forever on ports that do not listen there. A remote engine (DOCKER_HOST=tcp://)
    // is left to testcontainers, though ports published on its loopback are then out of reach (docs/testing.md).
    const dockerHost = process.env.DOCKER_HOST ?? '';
    if (dockerHost === '' || dockerHost.startsWith('unix://')) process.env.TESTCONTAINERS_HOST_OVERRIDE ??= HOST;
    const testcontainers = await import('testcontainers');
    await removeLeftovers(testcontainers);
    return testcontainers;
  })();
  // A failed load (no engine) is not cached: the next caller gets the error again, not a stale promise.
  loaded.catch(() => {
    loaded = undefined;
  });
  return loaded;
}

/** True when `owner` (`<hostname>:<pid>`) names a process of this machine that is gone. */
function ownerIsGone(owner: string | undefined): boolean {
  if (!owner) return true;
  const separator = owner.lastIndexOf(':');
  const host = owner.slice(0, separator);
  const pid = Number(owner.slice(separator + 1));
  // Another machine's containers (a shared remote engine) are its business.
  if (host !== hostname()) return false;
  if (pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/**
 * Removes containers and networks that carry the harness's label but whose owner process on this machine is gone (a
 * run that was killed before its teardown). Those of live processes, this one included, are left alone, so parallel
 * runs do not remove each other's containers. Runs once per process, when testcontainers is first loaded.
 */
export async function removeLeftovers({ getContainerRuntimeClient }: Testcontainers): Promise<void> {
  const client = await getContainerRuntimeClient();
  const docker = client.container.dockerode;
  const filters = JSON.stringify({ label: [`${HARNESS_LABEL}=true`] });
  const containers = await docker.listContainers({ all: true, filters });
  await Promise.all(
    containers
      .filter((info) => ownerIsGone(info.Labels[OWNER_LABEL]))
      .map((info) => docker.getContainer(info.Id).remove({ force: true, v: true })),
  );
  const networks = await docker.listNetworks({ filters });
  await Promise.all(
    networks
      .filter((info) => ownerIsGone(info.Labels?.[OWNER_LABEL]))
      .map((info) => docker.getNetwork(info.Id).remove()),
  );
}

/** A bridge network the harness created for one backend, labelled like its containers. */
export interface HarnessNetwork {
  readonly name: string;
  remove(): Promise<void>;
}

/** Creates a labelled bridge network for one backend's containers. */
export async function createHarnessNetwork(backend: string): Promise<HarnessNetwork> {
  const { getContainerRuntimeClient, randomUuid } = await loadTestcontainers();
  const client = await getContainerRuntimeClient();
  const name = `oauth-store-${backend}-${randomUuid().slice(0, 12)}`;
  const network = await client.network.create({
    Name: name,
    Driver: 'bridge',
    CheckDuplicate: true,
    Labels: harnessLabels(backend),
  });
  liveNetworks.add(name);
  installExitHook();
  return {
    name,
    remove: async () => {
      await network.remove();
      liveNetworks.delete(name);
    },
  };
}

/**
 * Runs `start` with a fresh labelled network for one backend's containers, and returns its backend with a `stop()`
 * that removes the network after the containers. If `start` fails, the network is removed at once.
 */
export async function inOwnNetwork(
  backend: string,
  start: (networkName: string) => Promise<RunningBackend>,
): Promise<RunningBackend> {
  const network = await createHarnessNetwork(backend);
  let started: RunningBackend;
  try {
    started = await start(network.name);
  } catch (error) {
    await network.remove().catch(() => {});
    throw error;
  }
  return {
    ...started,
    stop: async () => {
      try {
        await started.stop();
      } finally {
        await network.remove();
      }
    },
  };
}

/**
 * Publishes every exposed port of `container` on 127.0.0.1 only (testcontainers publishes on all interfaces). Call
 * after the ports are declared and before `start()`. testcontainers has no option for it, so this sets `HostIp` on
 * the port bindings it prepared; scripts/docker/prepare.sh also starts dockerd with `--ip 127.0.0.1` as a second guard.
 */
export function publishOnLoopback<T extends GenericContainer>(container: T): T {
  const hostConfig = (container as unknown as { hostConfig: { PortBindings?: Record<string, Array<object>> } })
    .hostConfig;
  for (const [port, bindings] of Object.entries(hostConfig.PortBindings ?? {})) {
    hostConfig.PortBindings = {
      ...hostConfig.PortBindings,
      [port]: bindings.map((binding) => ({ ...binding, HostIp: HOST })),
    };
  }
  return container;
}

const running = new Map<string, StartedTestContainer>();
const liveNetworks = new Set<string>();
let exitHookInstalled = false;

/**
 * If the process exits before teardown (a crash, `process.exit`), removes the containers and networks it still has
 * with the `docker` CLI, synchronously, as exit hooks must. A killed process cannot run it: the next process's
 * leftover sweep removes those.
 */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    const docker = (args: string[]) => {
      try {
        execFileSync('docker', args, { stdio: 'ignore', timeout: 10_000 });
      } catch {
        // No CLI or no engine: the next run's leftover sweep removes them.
      }
    };
    if (running.size > 0) docker(['rm', '-f', '-v', ...running.keys()]);
    if (liveNetworks.size > 0) docker(['network', 'rm', ...liveNetworks]);
  });
}

/** Remembers a started container until {@link stopContainer} removes it (see the exit hook above). */
export function trackContainer(container: StartedTestContainer): void {
  running.set(container.getId(), container);
  installExitHook();
}

/** Stops and removes a container the harness started (no grace period: test data is throwaway). */
export async function stopContainer(container: StartedTestContainer): Promise<void> {
  try {
    await container.stop({ timeout: 0, remove: true });
  } finally {
    running.delete(container.getId());
  }
}

/** The loopback host the harness's URLs use (not `localhost`, which may resolve to ::1 where nothing listens). */
export const LOOPBACK = HOST;
