import { type AdapterDescriptor, type AdapterOpenOptions, type ByteStore, ConfigurationError } from '@oauth-store/core';
import { ADAPTERS, adapterForScheme, type RegisteredAdapter } from './adapter-registry';

/**
 * A connection string routed to its backend. Only the scheme is read here: each adapter parses its own grammar (the
 * same one its factory accepts as `url`, documented in docs/cli.md and by `descriptor.urlForm`), so the CLI holds no
 * per-backend parsing.
 */
export interface ParsedStoreUrl {
  /** The backend's registry name, for example `redis`. */
  backend: string;
  /** The scheme, lower case, without the colon (`rediss+cluster`, `pglite`, ...). */
  scheme: string;
  /** The registry entry that opens it. */
  adapter: RegisteredAdapter;
  /** False when the store lives inside one process (`memory:`, `pglite:`, `sqlite::memory:`). */
  shareable: boolean;
}

/** The backend names {@link ParsedStoreUrl} can hold (the registry's). */
export type StoreBackend = string;

/** Where the connection-string forms are documented (an absolute URL: the message may be read far from the repo). */
const FORMS_URL = 'https://github.com/oauth-store/oauth-store/blob/main/docs/cli.md#store-connection-strings';

function knownSchemes(): string {
  return ADAPTERS.flatMap((adapter) => adapter.schemes.map((scheme) => `${scheme}:`)).join(', ');
}

function bad(message: string): ConfigurationError {
  return new ConfigurationError(`${message} Connection-string forms: ${FORMS_URL}`, { source: 'store-url' });
}

/**
 * Routes a store connection string to its registry entry. Throws a `configuration` error when it has no scheme or one
 * no backend opens (never echoing the string, which may hold a password). The rest of the string is checked by the
 * adapter when it opens.
 */
export function parseStoreUrl(text: string): ParsedStoreUrl {
  if (typeof text !== 'string' || text.trim() === '') {
    throw bad(`a store connection string is required (schemes: ${knownSchemes()}).`);
  }
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(text.trim())?.[1]?.toLowerCase();
  if (!scheme) throw bad(`the store connection string has no scheme; use one of ${knownSchemes()}.`);
  const adapter = adapterForScheme(scheme);
  if (!adapter) throw bad(`unknown store scheme "${scheme.slice(0, 20)}"; use one of ${knownSchemes()}.`);
  return { backend: adapter.name, scheme, adapter, shareable: adapter.shareable?.(text.trim()) ?? true };
}

/** True when several processes can share the store (not `memory:`, `pglite:` or `sqlite::memory:`). */
export function isShareable(parsed: ParsedStoreUrl): boolean {
  return parsed.shareable;
}

/** The connection string with any password (and Turso auth token) replaced by `***`, for messages and reports. */
export function redactStoreUrl(text: string): string {
  return text.replace(/(\/\/[^/@:]*:)[^@/]*@/g, '$1***@').replace(/([?&]authToken=)[^&]*/gi, '$1***');
}

function isModuleNotFound(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND';
}

function installMessage(adapter: RegisteredAdapter, scheme: string): string {
  const packages = adapter.install;
  return `${scheme}: needs ${packages.join(' and ')}, which are not installed. Install them next to the CLI: npm install ${packages.join(' ')} (with npx: npx -p @oauth-store/cli ${packages.map((name) => `-p ${name}`).join(' ')} oauth-store ...)`;
}

/**
 * Imports a registry entry's package and returns its descriptor. Adapters and their SDKs are optional peers of the
 * CLI, installed by whoever uses that backend: when either is missing, a `configuration` error names both and the
 * command that installs them.
 */
export async function loadDescriptor(
  adapter: RegisteredAdapter,
  scheme = adapter.schemes[0],
): Promise<AdapterDescriptor> {
  let module: object;
  try {
    module = await adapter.load();
  } catch (error) {
    if (isModuleNotFound(error))
      throw new ConfigurationError(installMessage(adapter, scheme ?? adapter.name), { source: 'store-url' });
    throw error;
  }
  const descriptor = (module as { descriptor?: AdapterDescriptor }).descriptor;
  if (typeof descriptor?.open !== 'function') {
    throw new ConfigurationError(
      `the installed ${adapter.packageName} exports no descriptor (it predates contract v2). Upgrade it next to the CLI: npm install ${adapter.packageName}@latest`,
      { source: 'store-url' },
    );
  }
  return descriptor;
}

/**
 * Opens the store a connection string names, through its adapter's descriptor (see {@link ParsedStoreUrl}). The
 * caller owns the store and closes it. Adapters and backend SDKs load only when their scheme is used; a backend SDK
 * the adapter imports lazily and finds missing gets the same "install X and Y" error.
 */
export async function openStore(text: string, options: AdapterOpenOptions = {}): Promise<ByteStore> {
  const parsed = parseStoreUrl(text);
  const descriptor = await loadDescriptor(parsed.adapter, parsed.scheme);
  try {
    return await descriptor.open(text.trim(), options);
  } catch (error) {
    if (isModuleNotFound(error))
      throw new ConfigurationError(installMessage(parsed.adapter, parsed.scheme), { source: 'store-url' });
    throw error;
  }
}
