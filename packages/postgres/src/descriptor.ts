import type { AdapterDescriptor, AdapterOpenOptions, ByteStore } from '@oauth-store/core';
import { POSTGRES_URL_FORM, parsePostgresUrl } from './connection-url';
import { openPGliteStore, openPostgresStore } from './open';

/**
 * The adapter registry's entry for PostgreSQL: `postgres://` and `postgresql://` open a `pg` Pool, `pglite:` opens
 * PGlite (one process only). Opening migrates the table (idempotent), which also proves the server answers.
 */
export const descriptor: AdapterDescriptor = {
  name: 'postgres',
  schemes: ['postgres', 'postgresql', 'pglite'],
  install: ['@oauth-store/postgres', 'pg'],
  urlForm: POSTGRES_URL_FORM,
  async open(connectionString: string, options: AdapterOpenOptions = {}): Promise<ByteStore> {
    const parsed = parsePostgresUrl(connectionString);
    const timeout = options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {};
    return parsed.kind === 'pglite'
      ? openPGliteStore({ url: connectionString, ...timeout })
      : openPostgresStore({ url: connectionString, ...timeout });
  },
  testServer: 'postgres',
};
