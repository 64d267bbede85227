import type { CimdFailureReason } from './errors';

/**
 * What happened while resolving one client_id, for metrics and logs. `clientId` is the document URL (public by
 * design: anyone may name it).
 * - `hit`: a fresh document from the shared cache.
 * - `fetch`: an HTTP request was sent to the document host (`outcome`: `document`, `not-modified` or `failure`).
 * - `revalidated`: the host answered 304 to `If-None-Match`; the cached copy got a new freshness.
 * - `stale`: the host is failing and the last good copy was served (stale-if-error).
 * - `refused`: the document was not accepted (`reason`); `cached` when the failure came from the negative cache.
 * - `waited`: another instance held the fetch lock and this one waited `durationMs` for its result.
 */
export type CimdEvent =
  | { type: 'hit'; clientId: string }
  | { type: 'fetch'; clientId: string; outcome: 'document' | 'not-modified' | 'failure'; durationMs: number }
  | { type: 'revalidated'; clientId: string }
  | { type: 'stale'; clientId: string; reason: CimdFailureReason }
  | { type: 'refused'; clientId: string; reason: CimdFailureReason; cached: boolean }
  | { type: 'waited'; clientId: string; durationMs: number; timedOut: boolean };

/** Receives {@link CimdEvent}s. Called synchronously; a throwing listener is ignored. */
export type CimdEventListener = (event: CimdEvent) => void;
