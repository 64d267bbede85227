// OAUTH_STORE_TEST_WAY makes one way the only way. These tests prove the harness does not fall back: this machine
// has redis-server installed, so a harness that quietly fell back to the local way would hand out a server here.
import { afterEach, describe, expect, it } from '@jest/globals';
import { BackendUnavailableError, ensureBackend, forcedWay } from '@oauth-store/test-servers';

const saved = { ...process.env };

/** What ensureBackend gave: the error it threw, or the way that served (after stopping what it started). */
async function outcome(name: string): Promise<unknown> {
  try {
    const backend = await ensureBackend(name);
    await backend.stop();
    return `served via ${backend.way}`;
  } catch (error) {
    return error;
  }
}
afterEach(() => {
  for (const name of ['OAUTH_STORE_TEST_WAY', 'REDIS_URL', 'DOCKER_HOST']) {
    if (saved[name] === undefined) delete process.env[name];
    else process.env[name] = saved[name];
  }
});

describe('OAUTH_STORE_TEST_WAY', () => {
  it('accepts the three ways and nothing else', () => {
    expect(forcedWay({})).toBeUndefined();
    expect(forcedWay({ OAUTH_STORE_TEST_WAY: 'testcontainers' })).toBe('testcontainers');
    expect(forcedWay({ OAUTH_STORE_TEST_WAY: 'local' })).toBe('local');
    expect(forcedWay({ OAUTH_STORE_TEST_WAY: 'env' })).toBe('env');
    expect(() => forcedWay({ OAUTH_STORE_TEST_WAY: 'docker' })).toThrow(
      /not a way; use one of env, local, testcontainers/,
    );
  });

  it('testcontainers with no engine fails instead of starting the local redis-server', async () => {
    process.env.OAUTH_STORE_TEST_WAY = 'testcontainers';
    process.env.DOCKER_HOST = 'unix:///nonexistent/oauth-store-no-docker.sock';
    delete process.env.REDIS_URL;
    const result = await outcome('redis');
    expect(result).toBeInstanceOf(BackendUnavailableError);
    expect((result as Error).message).toMatch(/OAUTH_STORE_TEST_WAY=testcontainers allows only that way/);
    expect((result as Error).message).toMatch(/testcontainers: no Docker engine answered/);
  });

  it('testcontainers ignores a URL in the environment (it would otherwise win)', async () => {
    process.env.OAUTH_STORE_TEST_WAY = 'testcontainers';
    process.env.DOCKER_HOST = 'unix:///nonexistent/oauth-store-no-docker.sock';
    process.env.REDIS_URL = 'redis://127.0.0.1:6379';
    expect(await outcome('redis')).toBeInstanceOf(BackendUnavailableError);
  });

  it('local ignores a URL in the environment and starts a throwaway server', async () => {
    process.env.OAUTH_STORE_TEST_WAY = 'local';
    process.env.REDIS_URL = 'redis://127.0.0.1:6379';
    const backend = await ensureBackend('redis');
    try {
      expect(backend.way).toBe('local');
      expect(backend.env.REDIS_URL).not.toBe('redis://127.0.0.1:6379');
    } finally {
      await backend.stop();
    }
  });

  it('env without the variable fails instead of starting a server', async () => {
    process.env.OAUTH_STORE_TEST_WAY = 'env';
    delete process.env.REDIS_URL;
    expect(String(await outcome('redis'))).toMatch(/REDIS_URL is not set/);
  });

  it('unforced, a URL in the environment is served as the env way', async () => {
    delete process.env.OAUTH_STORE_TEST_WAY;
    process.env.REDIS_URL = 'redis://127.0.0.1:6379';
    const backend = await ensureBackend('redis');
    expect(backend.way).toBe('env');
    expect(backend.env).toEqual({ REDIS_URL: 'redis://127.0.0.1:6379' });
  });
});
