import type { TableNames } from './identifiers';

/** Live means no expiry, or an expiry after the `now` parameter (an entry expiring exactly now is expired). */
const live = (now: string) => `(expires_at IS NULL OR expires_at > ${now})`;

/**
 * The version of a stored record: bytes 9..24 of the runtime's frame (SQL's `substring` on bytea counts from 1). A
 * compare-and-set compares it in the same statement that writes, so the comparison and the write are one atomic step.
 */
const VERSION = 'substring(value from 10 for 16)';

/**
 * Every statement the store sends. Each is ONE statement, hence atomic on its own, and takes the application's clock
 * as a parameter (`now`, epoch ms) so every instance and every adapter judges expiry the same way.
 */
export interface Statements {
  /** $1 collection, $2 key, $3 now -> value of a live row. */
  get: string;
  /** $1 collection, $2 key, $3 value, $4 expires_at -> upsert. */
  set: string;
  /** $1..$4 as set, $5 now -> a row (`written`) only when inserted or an expired row was replaced. */
  setIfAbsent: string;
  /** $1..$4 as set, $5 now, $6 version -> a row (`written`) only when the live row had that version. */
  setIfVersion: string;
  /** $1 collection, $2 key, $3 now -> the deleted row's `live` flag. */
  delete: string;
  /** $1 collection, $2 key, $3 now, $4 version -> the deleted row's `live` flag, only when it had that version. */
  deleteIfVersion: string;
  /** $1 collection, $2 key, $3 now -> the deleted row's value, when it was live. */
  take: string;
  /** $1 collection, $2 now, $3 limit -> keys in byte order. */
  listFirst: string;
  /** $1 collection, $2 now, $3 limit, $4 cursor key -> keys after the cursor in byte order. */
  listAfter: string;
  /** $1 now, $2 batch size -> `deleted` count of expired rows removed. */
  sweep: string;
}

/** Builds the statements for one (already quoted) table. */
export function statements(names: TableNames): Statements {
  const t = names.qualifiedTable;
  const upsert = `INSERT INTO ${t} AS existing (collection, key, value, expires_at) VALUES ($1, $2, $3, $4)
ON CONFLICT (collection, key) DO UPDATE SET value = EXCLUDED.value, expires_at = EXCLUDED.expires_at`;
  return {
    get: `SELECT value FROM ${t} WHERE collection = $1 AND key = $2 AND ${live('$3')}`,
    set: upsert,
    // ON CONFLICT locks the existing row and re-checks the WHERE on its newest version, so of concurrent writers
    // exactly one replaces an expired row and the others see it live.
    setIfAbsent: `${upsert}
WHERE existing.expires_at IS NOT NULL AND existing.expires_at <= $5
RETURNING 1 AS written`,
    // Under READ COMMITTED an UPDATE that meets a row changed by a concurrent transaction waits for it, then re-checks
    // this WHERE against the newest row version (EvalPlanQual): of racing writers with the same version, one wins.
    setIfVersion: `UPDATE ${t} SET value = $3, expires_at = $4
WHERE collection = $1 AND key = $2 AND ${live('$5')} AND ${VERSION} = $6
RETURNING 1 AS written`,
    // Expired rows are deleted too (cleanup), but only a live one counts as deleted.
    delete: `DELETE FROM ${t} WHERE collection = $1 AND key = $2 RETURNING ${live('$3')} AS live`,
    deleteIfVersion: `DELETE FROM ${t} WHERE collection = $1 AND key = $2 AND ${VERSION} = $4 RETURNING ${live('$3')} AS live`,
    // A second concurrent DELETE of the same row waits for the first and then finds nothing: one winner.
    take: `DELETE FROM ${t} WHERE collection = $1 AND key = $2 RETURNING value, ${live('$3')} AS live`,
    listFirst: `SELECT key FROM ${t} WHERE collection = $1 AND ${live('$2')} ORDER BY key LIMIT $3`,
    listAfter: `SELECT key FROM ${t} WHERE collection = $1 AND key > $4 AND ${live('$2')} ORDER BY key LIMIT $3`,
    // SKIP LOCKED: concurrent sweepers (one per instance) split the work instead of queueing on the same rows.
    sweep: `WITH doomed AS (
  SELECT collection, key FROM ${t} WHERE expires_at <= $1 LIMIT $2 FOR UPDATE SKIP LOCKED
), gone AS (
  DELETE FROM ${t} AS victim USING doomed
  WHERE victim.collection = doomed.collection AND victim.key = doomed.key AND victim.expires_at <= $1
  RETURNING 1
)
SELECT count(*)::int AS deleted FROM gone`,
  };
}
