/** PostgreSQL through testcontainers, with the official `@testcontainers/postgresql` module. */
import type { RunningBackend } from '../backend';
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

/**
 * A PostgreSQL server in a container (`postgres:15` unless `OAUTH_STORE_POSTGRES_IMAGE`), published on 127.0.0.1,
 * with `fsync=off` like the harness's local server (test data is throwaway) and room for the contract suite's pools.
 */
export async function startPostgresContainer(): Promise<RunningBackend> {
  // First: it checks the Node version before the module (which loads testcontainers) can fail obscurely.
  const { Wait } = await loadTestcontainers();
  const { PostgreSqlContainer } = await import('@testcontainers/postgresql');
  const image = containerImage('postgres');
  return inOwnNetwork('postgres', async (networkName) => {
    const container = await publishOnLoopback(
      new PostgreSqlContainer(image)
        .withDatabase('test')
        .withUsername('test')
        .withPassword('test')
        .withCommand(['postgres', '-c', 'fsync=off', '-c', 'max_connections=200'])
        .withNetworkMode(networkName)
        .withLabels(harnessLabels('postgres'))
        // The module's health check (pg_isready over TCP inside the container) alone: the module also waits for the
        // listening ports, which polls with three `docker exec`s at a time, and on a busy 2-core machine those execs
        // slowed the server's own start by seconds. (Docker's port proxy accepts on the host before the server
        // listens, so a host-side port check would prove nothing anyway.)
        .withWaitStrategy(Wait.forHealthCheck()),
    ).start();
    trackContainer(container);
    const port = container.getPort();
    return {
      env: { DATABASE_URL: `postgres://test:test@${LOOPBACK}:${port}/test` },
      description: `${image} container ${container.getId().slice(0, 12)} on ${LOOPBACK}:${port}`,
      stop: () => stopContainer(container),
    };
  });
}
