/**
 * Redis through testcontainers: a standalone server with the official `@testcontainers/redis` module, and a Redis
 * Cluster of three masters in one container (no official module exists for a cluster).
 *
 * Why one container for the cluster: a cluster node tells clients where the other nodes are (MOVED redirects, CLUSTER
 * SLOTS), so the addresses it announces must be reachable from the tests on the host. Every node announces
 * 127.0.0.1 and a port that is the same inside the container and on the host (published on 127.0.0.1), and the
 * nodes share the container's network namespace, so 127.0.0.1:<port> means the same node to a client on the host and
 * to the other nodes.
 */
import type { RunningBackend } from '../backend';
import { freePort, rawRedisCommand } from '../redis';
import { containerImage } from './images';
import {
  harnessLabels,
  inOwnNetwork,
  LOOPBACK,
  loadTestcontainers,
  publishOnLoopback,
  stopContainer,
  trackContainer,
} from './runtime';

const READY_LINE = 'oauth-store: redis cluster ready';
const STARTUP_TIMEOUT_MS = 60_000;

/** A standalone Redis in a container (`redis:7.0` unless `OAUTH_STORE_REDIS_IMAGE`), published on 127.0.0.1. */
export async function startRedisContainer(): Promise<RunningBackend> {
  // First: it checks the Node version before the module (which loads testcontainers) can fail obscurely.
  await loadTestcontainers();
  const { RedisContainer } = await import('@testcontainers/redis');
  const image = containerImage('redis');
  return inOwnNetwork('redis', async (networkName) => {
    const container = await publishOnLoopback(
      new RedisContainer(image)
        .withNetworkMode(networkName)
        .withLabels(harnessLabels('redis'))
        .withStartupTimeout(STARTUP_TIMEOUT_MS),
    ).start();
    trackContainer(container);
    const url = `redis://${LOOPBACK}:${container.getPort()}`;
    return {
      env: { REDIS_URL: url },
      description: `${image} container ${container.getId().slice(0, 12)} on ${LOOPBACK}:${container.getPort()}`,
      stop: () => stopContainer(container),
    };
  });
}

/** The script the cluster container runs: three cluster nodes, joined, then kept alive until the container stops. */
function clusterScript(ports: number[]): string {
  const nodes = ports.join(' ');
  return [
    'set -e',
    `for port in ${nodes}; do`,
    '  redis-server --port "$port" --bind "0.0.0.0" --protected-mode no --daemonize yes --dir /tmp' +
      ' --logfile "/tmp/redis-$port.log" --save "" --appendonly no --cluster-enabled yes' +
      ' --cluster-config-file "nodes-$port.conf" --cluster-node-timeout 5000 --cluster-announce-ip 127.0.0.1',
    'done',
    `for port in ${nodes}; do until redis-cli -p "$port" ping >/dev/null 2>&1; do sleep 0.05; done; done`,
    `redis-cli --cluster create ${ports.map((port) => `127.0.0.1:${port}`).join(' ')} --cluster-replicas 0 --cluster-yes >/tmp/create.log`,
    `for port in ${nodes}; do until redis-cli -p "$port" cluster info | grep -q cluster_state:ok; do sleep 0.05; done; done`,
    `echo "${READY_LINE}"`,
    // PID 1 must stay up; a TERM (docker stop) ends it at once.
    "trap 'exit 0' TERM INT",
    'while :; do sleep 1 & wait $!; done',
  ].join('\n');
}

/**
 * A Redis Cluster of three masters in one container (the `redis:7.0` image with a start script), each node on a
 * port chosen free on the host and published on 127.0.0.1 under the same number.
 */
export async function startRedisClusterContainer(): Promise<RunningBackend> {
  const { GenericContainer, Wait } = await loadTestcontainers();
  const image = containerImage('redis');
  const ports = [await freePort(), await freePort(), await freePort()];
  return inOwnNetwork('redis-cluster', async (networkName) => {
    const container = await publishOnLoopback(
      new GenericContainer(image)
        .withEntrypoint(['sh', '-c', clusterScript(ports)])
        .withCommand([])
        .withExposedPorts(...ports.map((port) => ({ container: port, host: port })))
        .withNetworkMode(networkName)
        .withLabels(harnessLabels('redis-cluster'))
        .withWaitStrategy(Wait.forLogMessage(READY_LINE))
        .withStartupTimeout(STARTUP_TIMEOUT_MS),
    ).start();
    trackContainer(container);
    try {
      // The nodes said cluster_state:ok inside the container; check that the published ports answer too.
      for (const port of ports) {
        const info = await rawRedisCommand(port, 'CLUSTER INFO', 5_000);
        if (!info.includes('cluster_state:ok')) throw new Error(`node on port ${port} is not ready: ${info.trim()}`);
      }
    } catch (error) {
      await stopContainer(container);
      throw error;
    }
    return {
      env: { REDIS_CLUSTER_URLS: ports.map((port) => `redis://${LOOPBACK}:${port}`).join(',') },
      description: `Redis Cluster of 3 masters in ${image} container ${container.getId().slice(0, 12)} on ${ports.map((port) => `${LOOPBACK}:${port}`).join(', ')}`,
      stop: () => stopContainer(container),
    };
  });
}
