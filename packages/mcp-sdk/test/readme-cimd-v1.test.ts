// The README CIMD example on SDK 1.x: the example's '@modelcontextprotocol/server-legacy/auth' import (and the
// bridge's lookup of InvalidClientError, which asks for the same module) is pointed at SDK 1.x's server/auth modules,
// exactly the change the README's comment tells a v1 user to make.
import { jest } from '@jest/globals';
import { describeCimdFlow } from './support/cimd-flow';

jest.unstable_mockModule('@modelcontextprotocol/server-legacy/auth', async () => {
  const router = await import('@modelcontextprotocol/sdk/server/auth/router.js');
  const errors = await import('@modelcontextprotocol/sdk/server/auth/errors.js');
  return { ...errors, mcpAuthRouter: router.mcpAuthRouter, sdkLine: 'v1' };
});

describeCimdFlow('SDK v1 (@modelcontextprotocol/sdk 1.x)', async () => {
  const mapped = (await import('@modelcontextprotocol/server-legacy/auth')) as unknown as { sdkLine?: string };
  if (mapped.sdkLine !== 'v1') throw new Error('the SDK v1 mapping is not in effect');
  return (await import('./fixtures/readme-cimd-server')).createCimdAuthApp;
});
