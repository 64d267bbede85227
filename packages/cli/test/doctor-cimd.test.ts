// The doctor and Client ID Metadata Documents, against real MCP SDK 1.x authorization servers (two mcpAuthRouter
// instances behind a round-robin balancer on one Redis, wired as @oauth-store/mcp-sdk's README "CIMD" section does):
// with the CIMD resolver on (development opt-ins), a CIMD client resolves end to end with one document request; with
// the production defaults, the refusal is explained (SSRF protection); with DCR only, the deprecation warning names
// the fix; a server that re-fetches the document per request is caught.
import { afterEach, describe, expect, it } from '@jest/globals';
import { isLoopbackHost } from '../src/doctor/cimd/loopback';
import { DOCTOR_REDIRECT_URI } from '../src/doctor/doctor';
import { runDoctorCommand } from './doctor-fixtures/run-doctor-command';
import { type SdkCimdFleet, startSdkCimdFleet } from './doctor-fixtures/sdk-cimd-fleet';
import { runCli } from './support/cli-process';

let fleet: SdkCimdFleet | undefined;
afterEach(async () => {
  await fleet?.close();
  fleet = undefined;
});

const endToEnd = (report: Awaited<ReturnType<typeof runDoctorCommand>>['report']) =>
  report.checks.find((check) => check.name === 'CIMD client end to end');

describe('doctor and CIMD on an mcpAuthRouter pair', () => {
  it('with the CIMD resolver on: advertised, resolved end to end with exactly one document request, exit 0', async () => {
    fleet = await startSdkCimdFleet({ cimd: 'dev' });
    const { ids, exitCode, report } = await runDoctorCommand(fleet.mcpUrl);
    expect(ids).toEqual([]);
    expect(exitCode).toBe(0);
    expect(report.framework).toBe('mcp-sdk');
    expect(report.checks.find((check) => check.name.startsWith('client ID metadata documents'))).toMatchObject({
      ok: true,
      detail: 'client_id_metadata_document_supported is true',
    });
    expect(endToEnd(report)).toEqual({
      name: 'CIMD client end to end',
      ok: true,
      detail: '/authorize answered 302 (redirect to the client), 1 document request',
    });
    // DCR still works across the pair (the shared store): 30 authorization requests all accepted.
    expect(report.checks.find((check) => check.name === 'authorization requests with the new client')?.ok).toBe(true);
  }, 60_000);

  it('with the production defaults: the refusal is an info finding quoting error_description and the SSRF policy', async () => {
    fleet = await startSdkCimdFleet({ cimd: 'production' });
    const { ids, exitCode, report } = await runDoctorCommand(fleet.mcpUrl, '--attempts', '10');
    expect(ids).toEqual(['cimd-loopback-document-refused']);
    expect(exitCode).toBe(0);
    const refused = report.findings[0];
    expect(refused?.severity).toBe('info');
    // Without allowHttp an http:// id is no document URL: the SDK answers it as an unknown registered client.
    expect(refused?.summary).toContain('with HTTP 400 invalid_client after 0 document requests');
    expect(refused?.summary).toContain('error_description: "Invalid client_id"');
    expect(refused?.summary).toContain('it must use https (opt-in: allowHttp)');
    expect(refused?.summary).toContain('127.0.0.1 is an address the SSRF protection refuses');
    expect(refused?.cause).toContain('on purpose');
    expect(refused?.frameworkFixes[0]).toMatchObject({ framework: 'mcp-sdk' });
    expect(refused?.frameworkFixes[0]?.fix).toContain('allowPrivateAddresses: true');
    expect(endToEnd(report)?.ok).toBe(false);
  }, 60_000);

  it('with only the allowHttp opt-in: the SSRF protection refuses the loopback document, and its reason is printed', async () => {
    fleet = await startSdkCimdFleet({ cimd: 'allow-http' });
    const { ids, exitCode, report } = await runDoctorCommand(fleet.mcpUrl, '--attempts', '10');
    expect(ids).toEqual(['cimd-loopback-document-refused']);
    expect(exitCode).toBe(0);
    const summary = report.findings[0]?.summary ?? '';
    // The resolver's own error_description, answered before any connection to the document's host.
    const description = /"([^"]+)"/.exec(summary)?.[1] ?? '';
    expect(description).toMatch(/address/i);
    expect(summary).toContain('HTTP 400 invalid_client after 0 document requests');
    expect(summary).toContain('SSRF protection');
  }, 60_000);

  it('with CIMD as the only registration path (no /register): no warning, resolved end to end, exit 0', async () => {
    fleet = await startSdkCimdFleet({ cimd: 'dev', dcr: false, instances: 1 });
    const { ids, exitCode, report } = await runDoctorCommand(fleet.mcpUrl);
    expect(ids).toEqual([]);
    expect(exitCode).toBe(0);
    expect(endToEnd(report)).toMatchObject({ ok: true, detail: expect.stringContaining('1 document request') });
    expect(report.checks.find((check) => check.name.startsWith('dynamic client registration'))).toBeUndefined();
  }, 60_000);

  it('with DCR only: the registration-dcr-only warning with the fix per framework, exit 1', async () => {
    fleet = await startSdkCimdFleet({ cimd: 'off' });
    const { ids, exitCode, report } = await runDoctorCommand(fleet.mcpUrl, '--attempts', '10');
    expect(ids).toEqual(['registration-dcr-only']);
    expect(exitCode).toBe(1);
    const warning = report.findings[0];
    expect(warning?.severity).toBe('warn');
    expect(warning?.summary).toContain('client_id_metadata_document_supported is null');
    expect(warning?.cause).toContain('2026-07-28');
    const fixes = Object.fromEntries(warning?.frameworkFixes.map((fix) => [fix.framework, fix.fix]) ?? []);
    expect(fixes['mcp-sdk']).toContain('createCimdClientsStore');
    expect(fixes['mcp-sdk']).toContain('advertiseCimd()');
    expect(fixes.fastmcp).toContain('createTokenStorage(store, { cimd:');
    expect(fixes.fastmcp).toContain('clientIdMetadataDocumentSupported: true');
    expect(report.checks.find((check) => check.name.startsWith('client ID metadata documents'))?.ok).toBe(false);
    expect(endToEnd(report)).toBeUndefined();
  }, 60_000);

  it('the oauth-store command prints the DCR-only warning with the SDK fix and exits 1', async () => {
    fleet = await startSdkCimdFleet({ cimd: 'off', instances: 1 });
    const result = await runCli(['doctor', fleet.mcpUrl, '--attempts', '6']);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('[FAIL] client ID metadata documents (CIMD) advertised');
    expect(result.stdout).toContain('WARN registration-dcr-only');
    expect(result.stdout).toContain('- MCP TypeScript SDK (mcpAuthRouter): With @oauth-store/mcp-sdk');
  }, 60_000);

  it('a server that fetches the document again in authorize(): cimd-document-fetched-repeatedly', async () => {
    fleet = await startSdkCimdFleet({ cimd: 'dev', refetchInAuthorize: true });
    const { ids, exitCode, report } = await runDoctorCommand(fleet.mcpUrl, '--attempts', '10');
    expect(ids).toEqual(['cimd-document-fetched-repeatedly']);
    expect(exitCode).toBe(1);
    expect(report.findings[0]?.summary).toContain('2 times (expected 1)');
    expect(endToEnd(report)).toMatchObject({ ok: false, detail: expect.stringContaining('2 document requests') });
  }, 60_000);

  it('a server that trusts URL client ids without fetching the document: cimd-document-not-fetched', async () => {
    fleet = await startSdkCimdFleet({ cimd: 'dev', trustedRedirectUri: DOCTOR_REDIRECT_URI });
    const { ids, exitCode, report } = await runDoctorCommand(fleet.mcpUrl, '--attempts', '10');
    expect(ids).toEqual(['cimd-document-not-fetched']);
    expect(exitCode).toBe(1);
    expect(report.findings[0]?.severity).toBe('error');
    expect(endToEnd(report)).toMatchObject({ ok: false, detail: expect.stringContaining('0 document requests') });
  }, 60_000);

  it('a provider whose authorize() fails for document clients: cimd-authorize-failed with what it answered', async () => {
    fleet = await startSdkCimdFleet({ cimd: 'dev', failAuthorizeForDocuments: true });
    const { ids, exitCode, report } = await runDoctorCommand(fleet.mcpUrl, '--attempts', '10');
    expect(ids).toEqual(['cimd-authorize-failed']);
    expect(exitCode).toBe(1);
    expect(report.findings[0]?.summary).toContain('error=server_error (cannot authorize document clients)');
    expect(report.findings[0]?.summary).toContain('after 1 document request');
  }, 60_000);
});

describe('which servers the end-to-end CIMD check runs against', () => {
  it.each([
    ['127.0.0.1', true],
    ['127.8.9.10', true],
    ['[::1]', true],
    ['::ffff:127.0.0.1', true],
    ['localhost', true],
    ['10.0.0.1', false],
    ['192.168.1.2', false],
    ['::ffff:10.0.0.1', false],
    ['doctor.invalid', false],
  ])('%s is on loopback: %s', async (host, expected) => {
    expect(await isLoopbackHost(host)).toBe(expected);
  });
});
