// The testcontainers way, for real (runs only with OAUTH_STORE_TEST_WAY=testcontainers, on Node >= 22.22 with a
// Docker engine: scripts/ci-testcontainers.sh). Each backend must be served by a container, never by a fallback; the
// container must carry the harness's labels, sit on a network the harness created, publish on 127.0.0.1 only, answer
// on its published port, and be gone (with its network) after stop().
import { spawn, spawnSync } from 'node:child_process';
import { createConnection } from 'node:net';
import { hostname } from 'node:os';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from '@jest/globals';
import {
  answersListTables,
  BACKEND_LABEL,
  ensureBackend,
  HARNESS_LABEL,
  OWNER_LABEL,
  type ProvidedBackend,
  rawRedisCommand,
} from '@oauth-store/test-servers';
import { loadTestcontainers, removeLeftovers } from '../../src/containers/runtime';

// Through the harness, so its settings (Ryuk off, host 127.0.0.1) apply before the runtime client is first made.
const testcontainers = await loadTestcontainers();
const docker = (await testcontainers.getContainerRuntimeClient()).container.dockerode;
const owner = `${hostname()}:${process.pid}`;

function ownFilter(backend: string) {
  return JSON.stringify({ label: [`${HARNESS_LABEL}=true`, `${OWNER_LABEL}=${owner}`, `${BACKEND_LABEL}=${backend}`] });
}

/** The harness's containers for `backend`, owned by this process. */
async function ownContainers(backend: string) {
  return docker.listContainers({ all: true, filters: ownFilter(backend) });
}

/** True when a PostgreSQL server answers an SSLRequest on the port (it replies with one byte, `S` or `N`). */
function postgresAnswers(port: number): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.once('error', reject);
    socket.once('connect', () => socket.write(Buffer.from([0, 0, 0, 8, 4, 210, 22, 47])));
    socket.once('data', (data) => {
      socket.destroy();
      resolve(data.length === 1 && (data[0] === 0x53 || data[0] === 0x4e));
    });
  });
}

const portOf = (url: string) => Number(new URL(url).port);
/** A cold container start (a JVM for DynamoDB Local) on a busy shared machine. */
const START_TIMEOUT_MS = 120_000;

const answers: Record<string, (backend: ProvidedBackend) => Promise<void>> = {
  redis: async ({ env }) => {
    expect(await rawRedisCommand(portOf(env.REDIS_URL as string), 'PING', 5_000)).toBe('+PONG\r\n');
  },
  'redis-cluster': async ({ env }) => {
    const urls = (env.REDIS_CLUSTER_URLS as string).split(',');
    expect(urls).toHaveLength(3);
    for (const url of urls) {
      expect(await rawRedisCommand(portOf(url), 'CLUSTER INFO', 5_000)).toContain('cluster_state:ok');
    }
  },
  postgres: async ({ env }) => {
    expect(await postgresAnswers(portOf(env.DATABASE_URL as string))).toBe(true);
  },
  dynamodb: async ({ env }) => {
    expect(await answersListTables(env.DYNAMODB_ENDPOINT as string)).toBe(true);
  },
};

// The CI leg prepares only the images its contract suites need; OAUTH_STORE_CONTAINER_BACKENDS names the backends to
// check here (default: all). It is a list the caller chooses, not a silent skip: the leg names its own.
const selected =
  process.env.OAUTH_STORE_CONTAINER_BACKENDS?.split(',').map((name) => name.trim()) ?? Object.keys(answers);

describe('the testcontainers way', () => {
  it('checks only backends it knows', () => {
    expect(selected.filter((name) => !(name in answers))).toEqual([]);
  });

  for (const [name, answer] of Object.entries(answers).filter(([name]) => selected.includes(name))) {
    it(
      `serves ${name} from a labelled container on 127.0.0.1, and removes it on stop`,
      async () => {
        // This process may hold containers of the same backend already (a jest global setup running in band).
        const before = new Set((await ownContainers(name)).map((info) => info.Id));
        const backend = await ensureBackend(name);
        let id: string | undefined;
        try {
          expect(backend.way).toBe('testcontainers');
          await answer(backend);
          const added = (await ownContainers(name)).filter((info) => !before.has(info.Id));
          expect(added).toHaveLength(1);
          id = added[0]?.Id as string;
          const inspected = await docker.getContainer(id).inspect();
          const networks = Object.keys(inspected.NetworkSettings.Networks);
          expect(networks).toEqual([expect.stringMatching(new RegExp(`^oauth-store-${name}-`))]);
          const bindings = Object.values(inspected.NetworkSettings.Ports).flatMap((list) => list ?? []);
          expect(bindings.length).toBeGreaterThan(0);
          for (const binding of bindings) expect(binding.HostIp).toBe('127.0.0.1');
          // What the harness asked for, not only what dockerd did (prepare.sh also starts dockerd with --ip 127.0.0.1).
          const requested = Object.values(inspected.HostConfig.PortBindings ?? {}).flat() as Array<{ HostIp?: string }>;
          expect(requested.length).toBe(bindings.length);
          for (const binding of requested) expect(binding.HostIp).toBe('127.0.0.1');
        } finally {
          await backend.stop();
        }
        const after = (await ownContainers(name)).map((info) => info.Id);
        expect(after).not.toContain(id);
        expect(after).toHaveLength(before.size);
        const networks = await docker.listNetworks({ filters: ownFilter(name) });
        expect(networks).toHaveLength(before.size);
      },
      START_TIMEOUT_MS,
    );
  }

  /** Runs fixtures/start-and-exit.ts in a child process and resolves with its pid once its container runs. */
  function startChild(mode: 'exit' | 'wait') {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', fileURLToPath(new URL('./fixtures/start-and-exit.ts', import.meta.url)), 'redis', mode],
      { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, CI_QUIET: '1', NODE_OPTIONS: '' } },
    );
    const started = new Promise<number>((resolve, reject) => {
      let out = '';
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
        out += chunk;
        const match = /started (\d+)/.exec(out);
        if (match) resolve(Number(match[1]));
      });
      child.once('exit', (code, signal) =>
        reject(new Error(`child exited (${signal ?? code}) before starting: ${out}`)),
      );
    });
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    return { child, started, exited };
  }

  const ownedBy = (pid: number) => JSON.stringify({ label: [`${OWNER_LABEL}=${hostname()}:${pid}`] });

  it(
    'a process that exits without teardown removes its containers and networks on the way out',
    async () => {
      const { started, exited } = startChild('exit');
      const pid = await started;
      await exited;
      expect(await docker.listContainers({ all: true, filters: ownedBy(pid) })).toEqual([]);
      expect(await docker.listNetworks({ filters: ownedBy(pid) })).toEqual([]);
    },
    START_TIMEOUT_MS,
  );

  it(
    'the containers of a killed process are removed by the next sweep',
    async () => {
      const { child, started, exited } = startChild('wait');
      const pid = await started;
      child.kill('SIGKILL');
      await exited;
      // No exit hook ran: the container and its network are still there ...
      expect(await docker.listContainers({ all: true, filters: ownedBy(pid) })).toHaveLength(1);
      await removeLeftovers(testcontainers);
      // ... until a harness process sweeps leftovers of owners that are gone.
      expect(await docker.listContainers({ all: true, filters: ownedBy(pid) })).toEqual([]);
      expect(await docker.listNetworks({ filters: ownedBy(pid) })).toEqual([]);
    },
    START_TIMEOUT_MS,
  );

  it("removes a dead run's leftovers and keeps those of live processes", async () => {
    // A pid that surely belonged to a process that has exited.
    const dead = spawnSync('sh', ['-c', 'echo $$'], { encoding: 'utf8' }).stdout.trim();
    const labels = (who: string) => ({ [HARNESS_LABEL]: 'true', [OWNER_LABEL]: who, [BACKEND_LABEL]: 'leftover' });
    const image = (await docker.listImages({ filters: JSON.stringify({ reference: ['redis:7.0'] }) }))[0]?.Id;
    expect(image).toBeDefined();
    const leftover = await docker.createContainer({
      Image: image,
      Cmd: ['true'],
      Labels: labels(`${hostname()}:${dead}`),
    });
    const mine = await docker.createContainer({ Image: image, Cmd: ['true'], Labels: labels(owner) });
    const network = await docker.createNetwork({
      Name: `oauth-store-leftover-${dead}`,
      Labels: labels(`${hostname()}:${dead}`),
    });
    try {
      await removeLeftovers(testcontainers);
      const left = await docker.listContainers({
        all: true,
        filters: JSON.stringify({ label: [`${BACKEND_LABEL}=leftover`] }),
      });
      expect(left.map((info) => info.Id)).toEqual([mine.id]);
      expect(await docker.listNetworks({ filters: JSON.stringify({ label: [`${BACKEND_LABEL}=leftover`] }) })).toEqual(
        [],
      );
    } finally {
      await mine.remove({ force: true });
      await leftover.remove({ force: true }).catch(() => {});
      await network.remove().catch(() => {});
    }
  });
});
