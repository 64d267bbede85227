/**
 * DynamoDB Local through testcontainers. No official testcontainers module exists for it in Node, so this is a
 * `GenericContainer` of the `amazon/dynamodb-local` image (or the one scripts/docker/prepare.sh builds under that name).
 */
import type { RunningBackend } from '../backend';
import { answersListTables } from '../dynamodb';
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

const PORT = 8000;
/** A cold JVM on a busy 2-core machine. */
const STARTUP_TIMEOUT_MS = 120_000;

/**
 * DynamoDB Local in memory, one database for every credential and region (`-sharedDb`, as the local way runs it),
 * published on 127.0.0.1; ready once it answers ListTables.
 */
export async function startDynamodbContainer(): Promise<RunningBackend> {
  const { GenericContainer, Wait } = await loadTestcontainers();
  const image = containerImage('dynamodb');
  return inOwnNetwork('dynamodb', async (networkName) => {
    const container = await publishOnLoopback(
      new GenericContainer(image)
        .withCommand([
          '-XX:TieredStopAtLevel=1',
          '-XX:+UseSerialGC',
          '-Djava.library.path=./DynamoDBLocal_lib',
          '-jar',
          'DynamoDBLocal.jar',
          '-inMemory',
          '-sharedDb',
          '-disableTelemetry',
        ])
        .withExposedPorts(PORT)
        .withNetworkMode(networkName)
        .withLabels(harnessLabels('dynamodb'))
        .withWaitStrategy(Wait.forListeningPorts())
        .withStartupTimeout(STARTUP_TIMEOUT_MS),
    ).start();
    trackContainer(container);
    const endpoint = `http://${LOOPBACK}:${container.getMappedPort(PORT)}`;
    try {
      const deadline = Date.now() + 30_000;
      while (!(await answersListTables(endpoint))) {
        if (Date.now() > deadline)
          throw new Error(`DynamoDB Local in ${image} did not answer ListTables on ${endpoint}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    } catch (error) {
      await stopContainer(container);
      throw error;
    }
    return {
      env: { DYNAMODB_ENDPOINT: endpoint },
      description: `${image} container ${container.getId().slice(0, 12)} on ${endpoint}`,
      stop: () => stopContainer(container),
    };
  });
}
