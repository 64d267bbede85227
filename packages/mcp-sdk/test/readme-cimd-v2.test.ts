// The README CIMD example as written: SDK v2 (@modelcontextprotocol/server-legacy 2.x).
import { describeCimdFlow } from './support/cimd-flow';

describeCimdFlow('SDK v2 (@modelcontextprotocol/server-legacy)', async () => {
  const legacy = await import('@modelcontextprotocol/server-legacy/auth');
  // Guard: this run really uses server-legacy's router, not SDK 1.x's.
  if (typeof legacy.mcpAuthRouter !== 'function') throw new Error('server-legacy/auth has no mcpAuthRouter');
  return (await import('./fixtures/readme-cimd-server')).createCimdAuthApp;
});
