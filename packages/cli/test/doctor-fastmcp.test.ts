// The doctor against real fastmcp 4.x deployments (FastMCP + OAuthProxy in front of a real oidc-provider), one
// configuration per describe, each behind a round-robin balancer: the verdicts users get for the setups they run.
// None advertises client ID metadata documents, so each also gets the registration-dcr-only warning.
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { type FastMcpFleet, type FastMcpFleetOptions, startFastMcpFleet } from './doctor-fixtures/fastmcp-fleet';
import { runDoctorCommand } from './doctor-fixtures/run-doctor-command';

/** A fleet for the describe block it is called in. */
function fleetFor(options: FastMcpFleetOptions): () => FastMcpFleet {
  let fleet: FastMcpFleet | undefined;
  beforeAll(async () => {
    fleet = await startFastMcpFleet(options);
  }, 30_000);
  afterAll(async () => {
    await fleet?.close();
  });
  return () => fleet as FastMcpFleet;
}

const healthy = { storage: 'redis', encryptionKey: 'shared', jwtSigningKey: 'shared' } as const;

describe('fastmcp, one instance', () => {
  const fleet = fleetFor({ ...healthy, instances: 1, storage: 'memory' });

  it('finds only that /oauth/token does not authenticate clients (a wrong secret or none gets invalid_grant)', async () => {
    const { ids, exitCode, report } = await runDoctorCommand(fleet().mcpUrl);
    expect(ids).toEqual(['token-client-not-authenticated', 'registration-dcr-only']);
    expect(exitCode).toBe(1);
    expect(report.framework).toBe('fastmcp');
    expect(report.findings[0]?.summary).toMatch(/wrong secret it answered invalid_grant/);
    expect(report.checks.find((check) => check.name === 'token endpoint authenticates the client')).toBeUndefined();
    // OAuthProxy as configured here does not advertise CIMD: DCR is deprecated, the fastmcp setting comes first.
    const dcrOnly = report.findings.find((item) => item.id === 'registration-dcr-only');
    expect(dcrOnly?.severity).toBe('warn');
    expect(dcrOnly?.frameworkFixes[0]?.framework).toBe('fastmcp');
    expect(dcrOnly?.frameworkFixes[0]?.fix).toContain('createTokenStorage(store, { cimd:');
    expect(dcrOnly?.frameworkFixes[0]?.fix).toContain('clientIdMetadataDocumentSupported: true');
  });
});

describe('fastmcp, two instances with their default memory storage', () => {
  const fleet = fleetFor({
    instances: 2,
    storage: 'memory',
    encryptionKey: 'per-instance',
    jwtSigningKey: 'per-instance',
  });

  it('finds the intermittent "client not registered", with the fix for fastmcp first', async () => {
    const { ids, exitCode, report } = await runDoctorCommand(fleet().mcpUrl);
    expect(ids).toEqual([
      'client-not-registered-intermittent',
      'token-client-not-authenticated',
      'registration-dcr-only',
    ]);
    expect(exitCode).toBe(1);
    const intermittent = report.findings[0];
    expect(intermittent?.summary).toMatch(/30 authorization requests .* 15 were accepted and 15 rejected/);
    expect(intermittent?.frameworkFixes[0]?.framework).toBe('fastmcp');
  });
});

describe('fastmcp, two instances on one shared store', () => {
  const fleet = fleetFor({ ...healthy, instances: 2 });

  it('passes storage and a full login across instances (only the token endpoint finding stays)', async () => {
    const { ids, exitCode, report } = await runDoctorCommand(fleet().mcpUrl, '--login-auto');
    expect(ids).toEqual(['token-client-not-authenticated', 'registration-dcr-only']);
    expect(exitCode).toBe(1);
    // Nothing of the login is printed: fastmcp's tokens are JWTs, none is in the report.
    expect(JSON.stringify(report)).not.toMatch(/eyJ[\w-]+\.eyJ/);
    // The login confirms it: fastmcp accepted a refresh with a wrong client secret.
    expect(report.findings[0]?.summary).toContain('Confirmed by the login');
    const login = report.checks.filter((check) => /login|refresh|MCP calls/.test(check.name));
    expect(login.map((check) => [check.name, check.ok])).toEqual([
      ['login (authorization code + PKCE)', true],
      ['refresh', true],
      ['MCP calls with the issued tokens', true],
    ]);
  }, 30_000);
});

describe('fastmcp, two instances on one shared store but its default per-instance encryption key', () => {
  const fleet = fleetFor({ ...healthy, instances: 2, encryptionKey: 'per-instance' });

  it('names both halves of the fix: the shared store they have AND one stable encryptionKey', async () => {
    // What the finding tells users to look for: the instance that refused logs a decryption failure.
    const errors = jest.spyOn(console, 'error').mockImplementation(() => {});
    let decryptionFailures = 0;
    const { ids, exitCode, report } = await runDoctorCommand(fleet().mcpUrl).finally(() => {
      decryptionFailures = errors.mock.calls.filter(([message]) => message === 'Failed to decrypt value:').length;
      errors.mockRestore();
    });
    expect(decryptionFailures).toBeGreaterThan(0);
    expect(ids).toEqual([
      'client-not-registered-intermittent',
      'token-client-not-authenticated',
      'registration-dcr-only',
    ]);
    expect(exitCode).toBe(1);
    const intermittent = report.findings[0];
    expect(intermittent?.cause).toMatch(/per-instance storage/);
    expect(intermittent?.cause).toMatch(/shared store whose values each instance encrypts with its own key/);
    expect(intermittent?.fix).toMatch(/ONE shared store .* AND ONE stable encryption key/);
    expect(intermittent?.frameworkFixes[0]).toMatchObject({
      framework: 'fastmcp',
      fix: expect.stringContaining('`encryptionKey`'),
    });
  });
});

describe('fastmcp, two instances sharing store and encryption key but each with its own JWT signing key', () => {
  const fleet = fleetFor({ ...healthy, instances: 2, jwtSigningKey: 'per-instance' });

  it('looks healthy without a login (no token is ever issued)', async () => {
    const { ids } = await runDoctorCommand(fleet().mcpUrl);
    expect(ids).toEqual(['token-client-not-authenticated', 'registration-dcr-only']);
  });

  it('finds tokens one instance issued refused by the other with --login-auto', async () => {
    const { ids, exitCode, report } = await runDoctorCommand(fleet().mcpUrl, '--login-auto');
    expect(ids).toContain('login-token-rejected-intermittent');
    expect(exitCode).toBe(1);
    const rejected = report.findings.find((item) => item.id === 'login-token-rejected-intermittent');
    expect(rejected?.summary).toMatch(/[1-9]\d* were accepted and [1-9]\d* refused/);
    expect(rejected?.frameworkFixes[0]).toMatchObject({
      framework: 'fastmcp',
      fix: expect.stringContaining('`jwtSigningKey`'),
    });
  }, 30_000);
});

describe('fastmcp, two instances on one shared store resolving CIMD clients through it (@oauth-store/fastmcp)', () => {
  const fleet = fleetFor({ ...healthy, instances: 2, cimd: true });

  it('advertises CIMD and resolves a CIMD client end to end with one document request: no DCR warning', async () => {
    const { ids, report } = await runDoctorCommand(fleet().mcpUrl);
    expect(ids).toEqual(['token-client-not-authenticated']);
    expect(report.checks.find((check) => check.name.startsWith('client ID metadata documents'))?.ok).toBe(true);
    expect(report.checks.find((check) => check.name === 'CIMD client end to end')).toMatchObject({
      ok: true,
      detail: expect.stringContaining('1 document request'),
    });
  });
});
