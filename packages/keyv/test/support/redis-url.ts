/** Redis database the Keyv tests use on the harness's shared server; the other packages' tests use database 0. */
const KEYV_TEST_DATABASE = 11;

/**
 * The harness's Redis (REDIS_URL), on a database of the Keyv tests' own. @keyv/redis lists a namespace with
 * `SCAN MATCH`, which walks every key of the database, not only the namespace's, and in a whole-workspace run the
 * other packages' tests leave their keys in database 0 of the same server: the contract file took 170 s in CI
 * instead of 16 s alone (reproduced with 200,000 other keys in the database).
 */
export function keyvRedisUrl(): string {
  const url = process.env.REDIS_URL;
  if (!url) throw new Error('REDIS_URL is not set: the jest global setup should have started redis-server');
  const own = new URL(url);
  own.pathname = `/${KEYV_TEST_DATABASE}`;
  return own.toString();
}
