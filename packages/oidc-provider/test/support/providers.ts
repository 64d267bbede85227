// The oidc-provider versions the cross-instance flows run on: the newest in the lockfile (the devDependency
// `oidc-provider`, which every other test uses) and the lowest the peer range admits (the devDependency
// `oidc-provider-lowest`, an npm alias of oidc-provider@9.0.0). The adapter imports oidc-provider for types only; what
// these run is oidc-provider's own Provider, at each version, driving the adapter.
import { readFileSync } from 'node:fs';
import NewestProvider from 'oidc-provider';
import LowestProvider from 'oidc-provider-lowest';
import { installedVersion } from '../../../../scripts/test-support/installed-version';

/** One oidc-provider version: its Provider class. */
export interface ProviderVersion {
  /** `newest` or `lowest`. */
  name: 'newest' | 'lowest';
  /** The name it is imported under (the package or its npm alias). */
  importName: 'oidc-provider' | 'oidc-provider-lowest';
  /** The version `importName` resolves to, read from its package.json. */
  version: string;
  Provider: typeof NewestProvider;
}

const manifest = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
  peerDependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};

/** The peer range (`^9.0.0`) and its floor (`9.0.0`). */
export const PEER_RANGE = manifest.peerDependencies['oidc-provider'] as string;
export const PEER_FLOOR = /\d+\.\d+\.\d+/.exec(PEER_RANGE)?.[0];
/** The exact newest version the devDependency pins. */
export const NEWEST_PIN = manifest.devDependencies['oidc-provider'] as string;

export const NEWEST: ProviderVersion = {
  name: 'newest',
  importName: 'oidc-provider',
  version: installedVersion('oidc-provider', 'oidc-provider', import.meta.url),
  Provider: NewestProvider,
};

export const LOWEST: ProviderVersion = {
  name: 'lowest',
  importName: 'oidc-provider-lowest',
  version: installedVersion('oidc-provider-lowest', 'oidc-provider', import.meta.url),
  Provider: LowestProvider,
};
