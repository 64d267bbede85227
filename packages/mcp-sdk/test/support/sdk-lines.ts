// The two ends of the SDK 1.x peer range that the server-side tests run on: the devDependency (the newest in the
// lockfile) and the floor of the range, installed under the npm alias `@modelcontextprotocol/sdk-lowest` with Express
// 5.1.0 (`express-lowest`) as the application's Express. Each end is imported from its own package name, so the
// lowest run cannot silently load the newest: `versions` reads the version of the package each import resolved to.
//
// SDK 1.x depends on Express itself (^5.2.1 in both), so its routers and body parsers run on the SDK's own Express
// even when the application's is 5.1.0; that is also how npm installs it next to an application on Express 5.1.0.
import { readFileSync } from 'node:fs';
import type { mcpAuthRouter } from '@modelcontextprotocol/sdk/server/auth/router.js';
import type express from 'express';
import { installedVersion } from '../../../../scripts/test-support/installed-version';

/** What a server-side test needs of one SDK 1.x install: its router, its error classes, the app's Express. */
export interface SdkV1Line {
  /** Which end of the peer range. */
  end: 'newest' | 'lowest';
  /** The application's Express (`express()` builds the app the SDK's router is mounted on). */
  express: typeof express;
  mcpAuthRouter: typeof mcpAuthRouter;
  /** The provider must throw this SDK's classes: its handlers map only their own `OAuthError`s to 4xx. */
  errors: Pick<
    typeof import('@modelcontextprotocol/sdk/server/auth/errors.js'),
    'InvalidGrantError' | 'InvalidTokenError'
  >;
  /** The versions the imports above resolved to (read from the packages' own package.json). */
  versions: { sdk: string; express: string };
}

/**
 * The floor of a range in this package's manifest (`^1.27.0` → `1.27.0`): a peer range, or for Express (not a peer
 * of this package) the range the tests declare.
 */
export function rangeFloor(field: 'peerDependencies' | 'devDependencies', name: string): string {
  const manifest = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as Record<
    string,
    Record<string, string>
  >;
  const floor = /^\^(\d+\.\d+\.\d+)$/.exec(manifest[field]?.[name] ?? '')?.[1];
  if (!floor) throw new Error(`${field}.${name} is not a ^x.y.z range`);
  return floor;
}

const version = (importName: string, packageName: string) => installedVersion(importName, packageName, import.meta.url);

/** SDK 1.x at the newest version in the lockfile (the devDependency), on the devDependency Express. */
export async function newestV1(): Promise<SdkV1Line> {
  const [router, errors, app] = await Promise.all([
    import('@modelcontextprotocol/sdk/server/auth/router.js'),
    import('@modelcontextprotocol/sdk/server/auth/errors.js'),
    import('express'),
  ]);
  return {
    end: 'newest',
    express: app.default,
    mcpAuthRouter: router.mcpAuthRouter,
    errors,
    versions: {
      sdk: version('@modelcontextprotocol/sdk/server/auth/router.js', '@modelcontextprotocol/sdk'),
      express: version('express', 'express'),
    },
  };
}

/** SDK 1.x at the floor of the peer range, with Express 5.1.0 as the application's Express. */
export async function lowestV1(): Promise<SdkV1Line> {
  const [router, errors, app] = await Promise.all([
    import('@modelcontextprotocol/sdk-lowest/server/auth/router.js'),
    import('@modelcontextprotocol/sdk-lowest/server/auth/errors.js'),
    import('express-lowest'),
  ]);
  return {
    end: 'lowest',
    express: app.default,
    mcpAuthRouter: router.mcpAuthRouter,
    errors,
    versions: {
      sdk: version('@modelcontextprotocol/sdk-lowest/server/auth/router.js', '@modelcontextprotocol/sdk'),
      express: version('express-lowest', 'express'),
    },
  };
}
