import { randomBytes } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import { ConfigurationError, MemoryStore } from '@oauth-store/core';
import { envKeySource, withEnvelopeEncryption } from '../src/index';

const env = { OAUTH_STORE_KEK: randomBytes(32).toString('base64') };

describe('ready()', () => {
  it("also waits for the inner store's ready(), so its configuration errors surface through the wrapper", async () => {
    const inner = Object.assign(new MemoryStore(), {
      ready: async () => {
        throw new ConfigurationError('no region configured', { source: 'inner' });
      },
    });
    const store = withEnvelopeEncryption(inner, {
      keySource: envKeySource({ variable: 'OAUTH_STORE_KEK', encoding: 'base64', env }),
    });
    await expect(store.ready()).rejects.toMatchObject({
      code: 'configuration',
      message: expect.stringContaining('region'),
    });
  });

  it('resolves over a store without ready()', async () => {
    const store = withEnvelopeEncryption(new MemoryStore(), {
      keySource: envKeySource({ variable: 'OAUTH_STORE_KEK', encoding: 'base64', env }),
    });
    await expect(store.ready()).resolves.toBeUndefined();
  });
});
