// The fastmcp versions the cross-instance flows run on: the newest in the lockfile (the devDependency `fastmcp`, which
// every other test uses) and the lowest the peer range admits (the devDependency `fastmcp-lowest`, an npm alias of
// fastmcp@4.20.0). The bridge imports fastmcp for types only; what these run is fastmcp's own OAuthProxy and server,
// at each version, driving the bridge's storage.
import { readFileSync } from 'node:fs';
import { FastMCP as NewestFastMCP } from 'fastmcp';
import { OAuthProxy as NewestOAuthProxy } from 'fastmcp/auth';
import { FastMCP as LowestFastMCP } from 'fastmcp-lowest';
import { OAuthProxy as LowestOAuthProxy } from 'fastmcp-lowest/auth';
import { installedVersion } from '../../../../scripts/test-support/installed-version';

/** One fastmcp version: its server and its OAuth proxy classes. */
export interface Framework {
  /** `newest` or `lowest`. */
  name: 'newest' | 'lowest';
  /** The name it is imported under (the package or its npm alias). */
  importName: 'fastmcp' | 'fastmcp-lowest';
  /** The version `importName` resolves to, read from its package.json. */
  version: string;
  FastMCP: typeof NewestFastMCP;
  OAuthProxy: typeof NewestOAuthProxy;
}

const manifest = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
  peerDependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};

/** The peer range (`^4.20.0`) and its floor (`4.20.0`). */
export const PEER_RANGE = manifest.peerDependencies.fastmcp as string;
export const PEER_FLOOR = /\d+\.\d+\.\d+/.exec(PEER_RANGE)?.[0];
/** The exact newest version the devDependency pins. */
export const NEWEST_PIN = manifest.devDependencies.fastmcp as string;

export const NEWEST: Framework = {
  name: 'newest',
  importName: 'fastmcp',
  version: installedVersion('fastmcp', 'fastmcp', import.meta.url),
  FastMCP: NewestFastMCP,
  OAuthProxy: NewestOAuthProxy,
};

export const LOWEST: Framework = {
  name: 'lowest',
  importName: 'fastmcp-lowest',
  version: installedVersion('fastmcp-lowest', 'fastmcp', import.meta.url),
  // What the tests use is declared alike in both versions (auth/index.d.ts is identical; FastMCP.d.ts differs by
  // FastMCPSession's `hasTools` option added after 4.20.0), but classes with #private members are nominal in
  // TypeScript, so another copy's class is not assignable to this one's type.
  FastMCP: LowestFastMCP as unknown as typeof NewestFastMCP,
  OAuthProxy: LowestOAuthProxy as unknown as typeof NewestOAuthProxy,
};

/** Both, newest first. */
export const FRAMEWORKS: readonly Framework[] = [NEWEST, LOWEST];
