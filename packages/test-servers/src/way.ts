/**
 * The three ways the harness gets a backend, and the switch that forces one of them.
 *
 * By default the harness tries them in order (`env`, then `local`, then `testcontainers`). Setting
 * `OAUTH_STORE_TEST_WAY` to one of them makes that way the only one: the harness never falls back to another, and
 * fails loudly when the forced way cannot serve a backend. CI uses it to prove that the testcontainers way really
 * served each backend rather than a local server it would otherwise prefer.
 */
export type BackendWay = 'env' | 'local' | 'testcontainers';

/** Every way, in the order the harness tries them. */
export const BACKEND_WAYS: readonly BackendWay[] = ['env', 'local', 'testcontainers'];

/** The environment variable that forces one way. */
export const FORCED_WAY_VAR = 'OAUTH_STORE_TEST_WAY';

/** The way `OAUTH_STORE_TEST_WAY` forces, or `undefined` (try all three). Throws on a value that is not a way. */
export function forcedWay(env: NodeJS.ProcessEnv = process.env): BackendWay | undefined {
  const value = env[FORCED_WAY_VAR]?.trim();
  if (!value) return undefined;
  if ((BACKEND_WAYS as readonly string[]).includes(value)) return value as BackendWay;
  throw new Error(
    `${FORCED_WAY_VAR}="${value}" is not a way; use one of ${BACKEND_WAYS.join(', ')} (or leave it unset)`,
  );
}
