// The README CIMD example (SDK v2) at the floor of the peer range: @modelcontextprotocol/server-legacy 2.0.0 (the alias
// @modelcontextprotocol/server-legacy-lowest) on Express 5.1.0 (express-lowest). For this file the example's import
// of '@modelcontextprotocol/server-legacy/auth', and the bridge's lookup of InvalidClientError (the same module), get
// 2.0.0; 'express' gets 5.1.0 for everyone: the example, the test harness and server-legacy itself, whose Express is a
// peer dependency (the application's). The mapping swaps one real package for another; nothing is stubbed, the Express
// mapping only counts the body parsers server-legacy builds, to show that its routes run on 5.1.0 too.
import { describe, expect, it, jest } from '@jest/globals';
import type Express from 'express';
import { installedVersion } from '../../../scripts/test-support/installed-version';
import { describeCimdFlow } from './support/cimd-flow';
import { rangeFloor } from './support/sdk-lines';

/** Body parsers built through the mapped 'express' (only server-legacy's routers build any). */
const parsersBuilt: string[] = [];

jest.unstable_mockModule(
  '@modelcontextprotocol/server-legacy/auth',
  () => import('@modelcontextprotocol/server-legacy-lowest/auth'),
);
jest.unstable_mockModule('express', async () => {
  const lowest = (await import('express-lowest')).default;
  const counted = Object.assign((() => lowest()) as typeof Express, lowest, {
    json: (...options: Parameters<typeof Express.json>) => {
      parsersBuilt.push('json');
      return lowest.json(...options);
    },
    urlencoded: (...options: Parameters<typeof Express.urlencoded>) => {
      parsersBuilt.push('urlencoded');
      return lowest.urlencoded(...options);
    },
  });
  return { ...lowest, default: counted };
});

const [mapped, lowestLegacy, mappedExpress, lowestExpress] = await Promise.all([
  import('@modelcontextprotocol/server-legacy/auth'),
  import('@modelcontextprotocol/server-legacy-lowest/auth'),
  import('express'),
  import('express-lowest'),
]);

describe('SDK v2 at the floor of its peer range', () => {
  it('the mapped modules are server-legacy 2.0.0 and Express 5.1.0', () => {
    const version = (importName: string, packageName: string) =>
      installedVersion(importName, packageName, import.meta.url);
    expect(version('@modelcontextprotocol/server-legacy-lowest', '@modelcontextprotocol/server-legacy')).toBe(
      rangeFloor('peerDependencies', '@modelcontextprotocol/server-legacy'),
    );
    expect(version('express-lowest', 'express')).toBe(rangeFloor('devDependencies', 'express'));
    // What the example (and the bridge) import under the plain names is that package, not the devDependency.
    expect(mapped.mcpAuthRouter).toBe(lowestLegacy.mcpAuthRouter);
    expect(mapped.InvalidClientError).toBe(lowestLegacy.InvalidClientError);
    expect(mappedExpress.default.application).toBe(lowestExpress.default.application);
  });
});

describeCimdFlow('SDK v2 at its floor (@modelcontextprotocol/server-legacy 2.0.0, Express 5.1.0)', async () => {
  const { createCimdAuthApp } = await import('./fixtures/readme-cimd-server');
  return (options) => {
    const before = parsersBuilt.length;
    const app = createCimdAuthApp(options);
    // server-legacy's /authorize, /token and /register build their body parsers from the mapped Express 5.1.0.
    if (parsersBuilt.length === before)
      throw new Error("server-legacy did not build its routes on the mapped 'express'");
    return app;
  };
});
