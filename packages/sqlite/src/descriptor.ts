import type { AdapterDescriptor, AdapterOpenOptions, ByteStore } from '@oauth-store/core';
import { SQLITE_URL_FORM } from './connection-url';
import { createSqliteStore } from './open';

/** The adapter registry's entry for SQLite (local files) and libSQL (Turso / sqld). Opening migrates the table. */
export const descriptor: AdapterDescriptor = {
  name: 'sqlite',
  schemes: ['sqlite', 'libsql'],
  install: ['@oauth-store/sqlite', '@libsql/client'],
  urlForm: SQLITE_URL_FORM,
  open(connectionString: string, options: AdapterOpenOptions = {}): Promise<ByteStore> {
    return createSqliteStore({
      url: connectionString,
      ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
    });
  },
};
