import {
  type AdapterDescriptor,
  type AdapterOpenOptions,
  type ByteStore,
  ConfigurationError,
  MemoryStore,
} from '@oauth-store/core';

/**
 * `memory:`: core's in-process store, for trying commands out. It lives in the CLI because core ships no descriptor
 * (core imports no adapter concerns); it is one registry entry like any other backend.
 */
export const memoryDescriptor: AdapterDescriptor = {
  name: 'memory',
  schemes: ['memory'],
  install: [],
  urlForm: 'memory: (one process; gone when it exits)',
  async open(connectionString: string, _options: AdapterOpenOptions = {}): Promise<ByteStore> {
    if (!/^memory:$/i.test(connectionString.trim())) {
      throw new ConfigurationError('memory: takes no path or parameters; write just "memory:".', {
        source: 'store-url',
      });
    }
    // Memory operations never wait on anything, so the deadline option has nothing to bound.
    return new MemoryStore();
  },
};
