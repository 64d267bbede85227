// The doctor against the MCP TypeScript SDK 1.x: its own example server (`simpleStreamableHttp --oauth`, run
// unmodified from npm) with one instance and with two behind round-robin balancers, and an example-style server whose
// provider refuses loopback redirects with an allowlist. The SDK rate-limits /register, /authorize and /token per
// client address, so each server gets at most two doctor runs. The example offers DCR only (no CIMD), so each run also
// gets the registration-dcr-only warning.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { runDoctor } from '../src/doctor/doctor';
import { runDoctorCommand } from './doctor-fixtures/run-doctor-command';
import { startAllowlistServer } from './doctor-fixtures/sdk-allowlist-server';
import { type SdkExampleFleet, startSdkExample } from './doctor-fixtures/sdk-example';
import { runCli } from './support/cli-process';

/** Delivers a browser login as a user would: opens the URL, follows redirects until the loopback listener answers. */
async function actAsBrowser(authorizationUrl: string): Promise<void> {
  let url = new URL(authorizationUrl);
  for (let hop = 0; hop < 10; hop++) {
    const response = await fetch(url, { redirect: 'manual' });
    await response.body?.cancel();
    const location = response.headers.get('location');
    if (!location) return;
    url = new URL(location, url);
  }
}

describe('the SDK example server, one instance', () => {
  let example: SdkExampleFleet | undefined;
  beforeAll(async () => {
    example = await startSdkExample(1);
  }, 30_000);
  afterAll(async () => {
    await example?.close();
  });

  it('only warns that DCR is its only registration path: a 500 for an unknown code is not a rejected client, only worth an info', async () => {
    const { ids, exitCode, report } = await runDoctorCommand((example as SdkExampleFleet).mcpUrl);
    expect(ids).toEqual(['registration-dcr-only', 'token-unknown-code-server-error']);
    expect(exitCode).toBe(1); // the warning: without it, exit 0
    expect(report.framework).toBe('mcp-sdk');
    expect(report.findings[0]?.frameworkFixes[0]?.fix).toContain('createCimdClientsStore');
    expect(report.findings[1]).toMatchObject({ severity: 'info' });
    expect(report.findings[1]?.frameworkFixes[0]?.fix).toContain('InvalidGrantError');
    expect(report.checks.find((check) => check.name === 'token endpoint authenticates the client')?.ok).toBe(true);
  });

  it('the oauth-store command exits 1 for it (the DCR-only warning) and prints the SDK-specific fixes', async () => {
    const result = await runCli(['doctor', (example as SdkExampleFleet).mcpUrl, '--attempts', '10']);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('WARN registration-dcr-only');
    expect(result.stdout).toContain(
      '- MCP TypeScript SDK (mcpAuthRouter): With @oauth-store/mcp-sdk and @oauth-store/cimd',
    );
    expect(result.stdout).toContain('Looks like: MCP TypeScript SDK (mcpAuthRouter)');
    expect(result.stdout).toContain('INFO token-unknown-code-server-error');
    expect(result.stdout).toContain('- MCP TypeScript SDK (mcpAuthRouter): In `challengeForAuthorizationCode`');
  }, 30_000);

  it("logs in through the user's browser (loopback redirect) and calls the MCP endpoint with the token", async () => {
    const report = await runDoctor((example as SdkExampleFleet).mcpUrl, {
      attempts: 6,
      login: 'browser',
      browserTimeoutMs: 10_000,
      showAuthorizationUrl: (url) => void actAsBrowser(url),
    });
    // The example issues no refresh token (its provider does not implement refresh).
    expect(report.findings.map((item) => item.id)).toEqual([
      'registration-dcr-only',
      'token-unknown-code-server-error',
      'login-no-refresh-token',
    ]);
    expect(report.checks.find((check) => check.name === 'MCP calls with the issued tokens')).toMatchObject({
      ok: true,
      detail: '6 sent: 6 accepted, 0 refused (401/403)',
    });
  });
});

describe('the SDK example server, two instances behind round-robin balancers', () => {
  let example: SdkExampleFleet | undefined;
  beforeAll(async () => {
    example = await startSdkExample(2);
  }, 30_000);
  afterAll(async () => {
    await example?.close();
  });

  it('finds the intermittent "client not registered", with the fix for the MCP SDK first', async () => {
    const { ids, exitCode, report } = await runDoctorCommand((example as SdkExampleFleet).mcpUrl);
    expect(ids).toEqual([
      'client-not-registered-intermittent',
      'registration-dcr-only',
      'token-unknown-code-server-error',
    ]);
    expect(exitCode).toBe(1);
    expect(report.findings[0]?.summary).toMatch(
      /15 were accepted and 15 rejected it \(invalid_client \(Invalid client_id\)/,
    );
    expect(report.findings[0]?.frameworkFixes[0]).toMatchObject({ framework: 'mcp-sdk' });
  });

  it('warns that 1 attempt cannot tell per-instance storage from the rest', async () => {
    const { ids, exitCode, report } = await runDoctorCommand((example as SdkExampleFleet).mcpUrl, '--attempts', '1');
    expect(ids).toContain('attempts-too-few');
    expect(exitCode).toBe(1);
    const warning = report.findings.find((item) => item.id === 'attempts-too-few');
    expect(warning?.severity).toBe('warn');
    expect(warning?.summary).toContain('The default, 30, recognises up to 7');
    // With one request landing on the other instance, the verdict is "consistent": the warning says it may not be.
    if (ids.includes('client-not-registered-consistent'))
      expect(warning?.summary).toContain('may be per-instance storage');
  });
});

describe('an SDK server whose authorize() refuses loopback redirects with an allowlist', () => {
  it('reports redirect-uri-rejected from the error_description of the redirect back', async () => {
    const server = await startAllowlistServer();
    try {
      const { ids, exitCode, report } = await runDoctorCommand(server.mcpUrl);
      expect(ids).toEqual(['redirect-uri-rejected', 'registration-dcr-only']);
      expect(exitCode).toBe(1);
      expect(report.findings[0]?.summary).toContain('error=invalid_request (redirect_uri not in allowlist)');
    } finally {
      await server.close();
    }
  });
});
