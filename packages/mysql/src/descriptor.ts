import type { AdapterDescriptor, AdapterOpenOptions, ByteStore } from '@oauth-store/core';
import { MYSQL_URL_FORM } from './connection-url';
import { createMysqlStore } from './open';

/** The adapter registry's entry for MySQL and MariaDB. Opening migrates the table, which proves the server answers. */
export const descriptor: AdapterDescriptor = {
  name: 'mysql',
  schemes: ['mysql', 'mariadb'],
  install: ['@oauth-store/mysql', 'mysql2'],
  urlForm: MYSQL_URL_FORM,
  open(connectionString: string, options: AdapterOpenOptions = {}): Promise<ByteStore> {
    return createMysqlStore({
      url: connectionString,
      ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
    });
  },
  // The test harness's provider (packages/test-servers/src/mysql.ts): MYSQL_URL, the machine's server, or a throwaway MariaDB.
  testServer: 'mysql',
};
