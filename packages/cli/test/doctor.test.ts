import { mkdtemp, rm } from 'node:fs/promises';
import { type AddressInfo, createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { doctorCommand } from '../src/commands/doctor';
import { type DemoCluster, startDemoCluster } from '../src/demo/cluster';
import { runDoctor } from '../src/doctor/doctor';
import { writeKeyFile } from '../src/keys';
import { UsageError } from '../src/usage-error';
import {
  authMethodMismatchServer,
  type FixtureServer,
  noMetadataServer,
  redirectAllowlistServer,
  rejectsRegisteredClientsServer,
  unauthenticatedTokenServer,
} from './fixtures/misconfigured-servers';
import { recordingIo } from './support/io';

const ids = (report: Awaited<ReturnType<typeof runDoctor>>) => report.findings.map((item) => item.id);
// These fixtures offer DCR only, so each also gets the registration-dcr-only warning (doctor-cimd.test.ts covers it).

/**
 * The demo's findings and checks without those about CIMD: whether the demo advertises it is the demo's choice
 * (doctor-cimd.test.ts covers the CIMD checks against real servers); this suite is about shared storage.
 */
const CIMD_FINDINGS = new Set(['registration-dcr-only', 'cimd-loopback-document-refused']);
const CIMD_CHECKS = new Set(['client ID metadata documents (CIMD) advertised', 'CIMD client end to end']);
const withoutCimd = (report: Awaited<ReturnType<typeof runDoctor>>) => ({
  ids: ids(report).filter((id) => !CIMD_FINDINGS.has(id)),
  checks: report.checks.filter((check) => !CIMD_CHECKS.has(check.name)),
});

async function withFixture(start: () => Promise<FixtureServer>, test: (url: string) => Promise<void>) {
  const server = await start();
  try {
    await test(server.mcpUrl);
  } finally {
    await server.close();
  }
}

describe('doctor against misconfigured servers', () => {
  it('reports missing RFC 9728 and RFC 8414 metadata', async () => {
    await withFixture(noMetadataServer, async (url) => {
      const report = await runDoctor(url, { login: 'automated' });
      expect(ids(report)).toEqual(['protected-resource-metadata-missing', 'authorization-server-metadata-missing']);
      expect(report.checks.at(-1)).toEqual({ name: 'login', ok: false, detail: expect.stringContaining('not run') });
      expect(report.findings.every((item) => item.severity === 'error' && item.cause && item.fix)).toBe(true);
    });
  });

  it('reports a redirect allowlist that ignores the registered redirect URI', async () => {
    await withFixture(redirectAllowlistServer, async (url) => {
      expect(ids(await runDoctor(url, { attempts: 6 }))).toEqual(['redirect-uri-rejected', 'registration-dcr-only']);
    });
  });

  it('reports a consistent "client not registered" when /authorize never accepts DCR clients', async () => {
    await withFixture(rejectsRegisteredClientsServer, async (url) => {
      const report = await runDoctor(url);
      expect(ids(report)).toEqual(['client-not-registered-consistent', 'registration-dcr-only']);
      expect(report.findings[0]?.summary).toContain('all 30');
    });
  });

  it.each([
    ['client_secret_post', 'client_secret_basic'],
    ['client_secret_basic', 'client_secret_post'],
  ] as const)('reports a server advertising %s that only accepts %s at /token', async (advertised, accepted) => {
    await withFixture(
      () => authMethodMismatchServer(advertised),
      async (url) => {
        const report = await runDoctor(url, { attempts: 6 });
        expect(ids(report)).toEqual(['token-auth-method-mismatch', 'registration-dcr-only']);
        expect(report.findings[0]?.summary).toContain(`accepts ${accepted} instead`);
      },
    );
  });

  it('reports a consistent refusal with only a few requests as possibly per-instance storage', async () => {
    await withFixture(rejectsRegisteredClientsServer, async (url) => {
      const report = await runDoctor(url, { attempts: 10 });
      expect(ids(report)).toEqual(['client-not-registered-consistent', 'registration-dcr-only', 'attempts-too-few']);
      expect(report.findings[2]?.summary).toContain('may be per-instance storage');
    });
  });

  it('reports a token endpoint that does not authenticate clients', async () => {
    await withFixture(unauthenticatedTokenServer, async (url) => {
      const report = await runDoctor(url, { attempts: 6 });
      expect(ids(report)).toEqual(['token-client-not-authenticated', 'registration-dcr-only']);
    });
  });

  it('refuses --login together with --login-auto (usage error, exit 2 from the CLI)', async () => {
    await expect(doctorCommand(['http://127.0.0.1:9/mcp', '--login', '--login-auto'], recordingIo())).rejects.toThrow(
      UsageError,
    );
  });

  it('reports a refused connection as refused, at once, not as a timeout', async () => {
    const server = await noMetadataServer();
    const url = server.mcpUrl;
    await server.close();
    const started = performance.now();
    const report = await runDoctor(url, { timeoutMs: 5_000 });
    const elapsedMs = performance.now() - started;
    expect(ids(report)).toEqual(['server-unreachable']);
    expect(report.findings[0]?.summary).toMatch(/^Connection to .* refused after \d+\.\d\d s: nothing listens on /);
    expect(report.findings[0]?.summary).not.toContain('5000 ms');
    expect(elapsedMs).toBeLessThan(5_000);
  });

  it('reports a listener that accepts and never answers as no answer within the bound', async () => {
    const sockets = new Set<Socket>();
    // Accepts the connection and reads the request, but never writes a byte back.
    const silent = createServer((socket) => {
      sockets.add(socket);
      socket.resume();
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as AddressInfo;
    try {
      const report = await runDoctor(`http://127.0.0.1:${port}/mcp`, { timeoutMs: 300 });
      expect(ids(report)).toEqual(['server-unreachable']);
      expect(report.findings[0]?.summary).toMatch(/^No answer from .* within 300 ms: the connection was not refused/);
      expect(sockets.size).toBe(1);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });
});

describe('doctor against the demo servers (2 instances behind a round-robin balancer)', () => {
  let cluster: DemoCluster;
  let dir: string | undefined;
  const keyFile = async () => {
    dir = await mkdtemp(join(tmpdir(), 'oauth-store-doctor-test-'));
    const file = join(dir, 'kek');
    await writeKeyFile(file);
    return file;
  };
  beforeAll(async () => {
    cluster = await startDemoCluster({ instances: 2, store: 'memory:' });
  }, 60_000);
  afterAll(async () => {
    await cluster?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('finds the intermittent "client not registered" of per-instance memory storage', async () => {
    const report = await runDoctor(cluster.mcpUrl);
    expect(withoutCimd(report).ids).toEqual(['client-not-registered-intermittent']);
    expect(report.findings[0]?.summary).toMatch(/[1-9]\d* were accepted and [1-9]\d* rejected/);
  });

  it('finds nothing once the instances share a store', async () => {
    // Redis here (the demo test covers PostgreSQL), with the envelope wrapper as the demo uses it.
    await cluster.restart({ instances: 2, store: process.env.REDIS_URL as string, keyFile: await keyFile() });
    const report = await runDoctor(cluster.mcpUrl, { login: 'automated' });
    expect(withoutCimd(report).ids).toEqual([]);
    expect(withoutCimd(report).checks.every((check) => check.ok)).toBe(true);
    expect(report.checks.map((check) => check.name)).toEqual(
      expect.arrayContaining(['login (authorization code + PKCE)', 'refresh', 'MCP calls with the issued tokens']),
    );
  }, 60_000);
});
