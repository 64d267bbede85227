/** A backend the harness started (or found) for the tests. */
export interface RunningBackend {
  /** Environment variables that tell tests where the backend is (for example `{ REDIS_URL: 'redis://127.0.0.1:P' }`). */
  env: Record<string, string>;
  /** Human-readable note on what runs, for the setup log (for example `redis-server 7.0.15 on 127.0.0.1:40123`). */
  description: string;
  /** Stops what the harness started; a no-op for backends given by URL. */
  stop(): Promise<void>;
}

/** How the harness provides one backend, tried in order: env URL, local throwaway server, testcontainers. */
export interface BackendProvider {
  /** Short name used in `ensureBackends(['redis'])`. */
  name: string;
  /** Environment variable that, when set, points the tests at an existing backend and skips starting one. */
  envVar: string;
  /** Starts a throwaway real server (or emulator, or named wire-level fake) on a free loopback port. */
  startLocal(): Promise<RunningBackend>;
  /**
   * Starts the backend in a container with testcontainers (src/containers/), when a Docker engine answers. Absent when
   * the backend has no container recipe.
   */
  startContainer?(): Promise<RunningBackend>;
}
